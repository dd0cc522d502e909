import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The request context of Gazette's routes: Hummingbird's core storage plus the connection's
/// peer address, which the per-client rate limit and the `/metrics` gate need.
public struct WebRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Who a rate limit counts: the connection's peer or, behind a trusted reverse proxy (the
    /// peer is on this machine or a private network), the last `X-Forwarded-For` entry, the one
    /// that proxy added. An IPv6 client counts as its /64, which one host usually holds whole.
    func clientKey(_ request: Request, trustForwardedFor: Bool) -> String {
        var address = remoteAddress?.ipAddress ?? "unknown"
        if trustForwardedFor, Self.isProxyAddress(address),
            let forwarded = request.headers[values: .xForwardedFor].last,
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        {
            address = String(last.prefix(64))
        }
        return Self.network(of: address)
    }

    /// Whether the client may read `/metrics`: it connected from this machine and no proxy
    /// says it forwarded the request (a proxy on this machine connects from loopback too).
    func isLocalOperator(_ request: Request) -> Bool {
        let proxyHeaders: [HTTPField.Name] = [.xForwardedFor, .forwarded, .xRealIP, .via]
        guard !proxyHeaders.contains(where: { request.headers[$0] != nil }), let address = remoteAddress else {
            return false
        }
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") == true
        case .v6: return address.ipAddress == "::1"
        case .unixDomainSocket: return false
        }
    }

    /// Loopback or a private network (RFC 1918, IPv6 unique-local): where a reverse proxy runs.
    static func isProxyAddress(_ address: String) -> Bool {
        if let bytes = parse(address, family: AF_INET, size: 4) {
            return bytes[0] == 127 || bytes[0] == 10 || (bytes[0] == 172 && (16...31).contains(bytes[1]))
                || (bytes[0] == 192 && bytes[1] == 168)
        }
        guard let bytes = parse(address, family: AF_INET6, size: 16) else { return false }
        return bytes == Array(repeating: 0, count: 15) + [1] || bytes[0] & 0xFE == 0xFC
    }

    /// An IPv4 address as it is; an IPv6 address as its /64.
    static func network(of address: String) -> String {
        guard address.contains(":"), let bytes = parse(address, family: AF_INET6, size: 16) else { return address }
        return bytes.prefix(8).map { String(format: "%02x", $0) }.joined() + "::/64"
    }

    /// The address's bytes in network order, or nil when it is not one of `family`.
    private static func parse(_ address: String, family: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        let parsed = bytes.withUnsafeMutableBytes { inet_pton(family, address, $0.baseAddress) }
        return parsed == 1 ? bytes : nil
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRealIP = Self("X-Real-IP")!
    static let forwarded = Self("Forwarded")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
