import Crypto
import Foundation

/// What a signed link lets its holder do. A token is good for its one action only: an
/// unsubscribe link cannot confirm an address, and a private feed's address cannot unsubscribe.
public enum TokenAction: String, Sendable, CaseIterable {
    case confirm = "c"
    case unsubscribe = "u"
    case manage = "m"
    case feed = "f"
}

/// The signed tokens in the links Gazette mails and serves: HMAC-SHA256 over the key id, the
/// action, the expiry and the subscriber, so a link names one subscriber and one action, cannot
/// be forged or edited, and (for confirmations) stops working when it expires.
///
/// A token reads `{key id}.{action}.{expiry}.{subscriber}.{MAC}`: the expiry in Unix seconds
/// (0: never), the subscriber as their stored random handle (never reused, unlike a row id that a
/// later subscriber could get), the MAC in base64url. The key id says which key signed it, so a
/// new key can sign while retired ones still verify the links already mailed.
public struct LinkTokens: Sendable {
    public struct Key: Sendable {
        /// Eight hex digits of a hash of the secret: names the key without revealing it.
        public let id: String
        // Bytes, not a SymmetricKey, which is not Sendable in this swift-crypto.
        private let secret: [UInt8]
        var symmetricKey: SymmetricKey { SymmetricKey(data: secret) }

        /// - Parameter secret: at least 32 bytes.
        public init(secret: [UInt8]) {
            self.secret = secret
            let digest = SHA256.hash(data: Array("gazette link key id\0".utf8) + secret)
            id = digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// What a token turned out to be.
    public enum Check: Equatable, Sendable {
        /// Signed by a known key for this action, and not expired.
        case valid(handle: String)
        /// Authentic and for this action, but past its expiry.
        case expired(handle: String)
        /// Malformed, edited, signed by an unknown key, or for another action.
        case invalid
    }

    public let signingKey: Key
    private let verifyingKeys: [String: Key]

    /// - Parameter retiredKeys: keys that no longer sign but whose tokens are still accepted.
    public init(signingKey: Key, retiredKeys: [Key] = []) {
        self.signingKey = signingKey
        var keys = Dictionary(retiredKeys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        keys[signingKey.id] = signingKey
        verifyingKeys = keys
    }

    /// A token letting its holder do `action` for the subscriber with this handle, until
    /// `expires` (nil: for ever).
    public func token(for handle: String, action: TokenAction, expires: Date? = nil) -> String {
        let expiry = expires.map { max(1, Int64($0.timeIntervalSince1970.rounded(.up))) } ?? 0
        let fields = "\(signingKey.id).\(action.rawValue).\(expiry).\(handle)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(fields.utf8), using: signingKey.symmetricKey)
        return fields + "." + Self.base64URL(Array(mac))
    }

    /// Whether `token` is a valid, unexpired token for `action`. The MAC is compared in
    /// constant time, and checked before anything the token claims is believed.
    public func check(_ token: String, action: TokenAction, now: Date) -> Check {
        // Tokens come from URLs anyone can type: bound the work before splitting.
        guard token.utf8.count <= 200 else { return .invalid }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, let key = verifyingKeys[String(parts[0])],
            let expiry = Int64(parts[2]), expiry >= 0,
            let mac = Self.decodeBase64URL(parts[4]), mac.count == SHA256.byteCount
        else { return .invalid }
        let fields = token.utf8.prefix(token.utf8.count - parts[4].utf8.count - 1)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(fields), using: key.symmetricKey),
            parts[1] == action.rawValue
        else { return .invalid }
        let handle = String(parts[3])
        if expiry != 0, now.timeIntervalSince1970 >= Double(expiry) { return .expired(handle: handle) }
        return .valid(handle: handle)
    }

    private static let base64URLDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 4648 §5), written directly: every mailed link has a
    /// token, so this runs once or twice per message sent.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group: UInt32 = 0
            for offset in 0..<3 {
                group = group << 8 | UInt32(offset < count ? bytes[index + offset] : 0)
            }
            // n bytes make n + 1 digits; the padding a standard encoder would add is left out.
            for position in 0...count {
                digits.append(base64URLDigits[Int(group >> (18 - 6 * UInt32(position)) & 63)])
            }
            index += count
        }
        return String(decoding: digits, as: UTF8.self)
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URLDigit }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        // Only the canonical spelling: base64 ignores the last digit's unused bits, and a token
        // that still verifies with another last letter would be two tokens.
        guard let bytes = Data(base64Encoded: standard).map(Array.init), base64URL(bytes) == text else { return nil }
        return bytes
    }
}

extension UInt8 {
    fileprivate var isBase64URLDigit: Bool {
        switch self {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
