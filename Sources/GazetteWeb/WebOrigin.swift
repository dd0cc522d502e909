import Foundation

/// A web origin (RFC 6454) as browsers compare them: the scheme and host in lower case, and the
/// port, the scheme's default when none is written (`https://news.example` is
/// `https://news.example:443`).
struct WebOrigin: Equatable {
    let scheme: String
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let defaultPort = ["http": 80, "https": 443][scheme]
        guard let port = components.port ?? defaultPort else { return nil }
        self.scheme = scheme
        self.host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }
}
