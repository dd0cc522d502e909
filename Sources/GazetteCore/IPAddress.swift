import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address read from its text form. An IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`, how a server listening on `::` sees IPv4 clients) is the IPv4 address.
public struct IPAddress: Hashable, Sendable {
    /// Network order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public init?(_ text: String) {
        if let v4 = Self.parse(text, family: AF_INET, size: 4) {
            bytes = v4
        } else if let v6 = Self.parse(text, family: AF_INET6, size: 16) {
            bytes = v6.starts(with: Self.mappedPrefix) ? Array(v6.suffix(4)) : v6
        } else {
            return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// This machine: 127.0.0.0/8 or ::1.
    public var isLoopback: Bool { isIPv4 ? bytes[0] == 127 : bytes == Self.ipv6Loopback }

    /// Loopback or a private network (RFC 1918, IPv6 unique-local fc00::/7): where a reverse
    /// proxy of this server's own runs.
    public var isPrivateNetwork: Bool {
        if isLoopback { return true }
        if isIPv4 {
            return bytes[0] == 10 || (bytes[0] == 172 && (16...31).contains(bytes[1]))
                || (bytes[0] == 192 && bytes[1] == 168)
        }
        return bytes[0] & 0xFE == 0xFC
    }

    /// Not reachable on the public internet: loopback, private and shared (carrier-grade NAT)
    /// networks, link-local (cloud metadata services live there), unspecified, multicast and
    /// reserved ranges; an IPv6 address that embeds an IPv4 one (NAT64) is read as that one.
    public var isInternal: Bool {
        if isPrivateNetwork { return true }
        if isIPv4 {
            let (a, b) = (bytes[0], bytes[1])
            return a == 0 || (a == 100 && (64...127).contains(b)) || (a == 169 && b == 254)
                || (a == 192 && b == 0 && bytes[2] == 0) || (a == 198 && (18...19).contains(b)) || a >= 224
        }
        if bytes.starts(with: Self.nat64Prefix) { return IPAddress(v4: Array(bytes.suffix(4))).isInternal }
        return bytes == Array(repeating: 0, count: 16)  // ::
            || (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80)  // fe80::/10, link-local
            || bytes[0] == 0xFF  // multicast
    }

    /// What a per-client limit counts: an IPv4 address as it is, an IPv6 address as its /64,
    /// which one host usually holds whole.
    public var network: String {
        guard !isIPv4 else { return bytes.map(String.init).joined(separator: ".") }
        return bytes.prefix(8).map { String(format: "%02x", $0) }.joined() + "::/64"
    }

    private init(v4: [UInt8]) { bytes = v4 }

    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
    private static let nat64Prefix: [UInt8] = [0x00, 0x64, 0xFF, 0x9B] + Array(repeating: 0, count: 8)
    private static let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]

    private static func parse(_ text: String, family: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        let parsed = bytes.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return parsed == 1 ? bytes : nil
    }
}
