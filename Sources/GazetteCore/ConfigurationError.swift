/// A configuration problem, naming the key path and what was expected:
/// `sources[3].country: "XX" is not an ISO 3166-1 alpha-2 code`.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The dotted key path, e.g. `delivery.smtp.url`; empty for the document itself.
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
