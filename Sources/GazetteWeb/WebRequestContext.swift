import Foundation
import GazetteCore
import HTTPTypes
import Hummingbird
import NIOCore

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
        guard !proxyHeaders.contains(where: { request.headers[$0] != nil }) else { return false }
        return Self.isLoopback(remoteAddress?.ipAddress)
    }

    /// 127.0.0.0/8 or ::1, also IPv4-mapped (a server listening on `::`); nil (a Unix socket) is not.
    static func isLoopback(_ address: String?) -> Bool {
        address.flatMap(IPAddress.init)?.isLoopback ?? false
    }

    /// Loopback or a private network (RFC 1918, IPv6 unique-local): where a reverse proxy runs.
    /// An IPv4 client of a server listening on `::` arrives IPv4-mapped, and counts as IPv4.
    static func isProxyAddress(_ address: String) -> Bool {
        IPAddress(address)?.isPrivateNetwork ?? false
    }

    /// An IPv4 address as it is; an IPv6 address as its /64; anything else as it was given.
    static func network(of address: String) -> String {
        IPAddress(address)?.network ?? address
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRealIP = Self("X-Real-IP")!
    static let forwarded = Self("Forwarded")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
