import Crypto
import Foundation
import GazetteCore
import _CryptoExtras

/// Signs outgoing messages with DKIM (RFC 6376): `rsa-sha256` or `ed25519-sha256` (RFC 8463),
/// `c=relaxed/relaxed`. The private key is read once from the file the config names; neither
/// the key nor its path's contents ever appear in an error.
public struct DKIMSigner: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The 32-byte seed (swift-crypto's Ed25519 key type is not Sendable here).
        case ed25519(seed: Data, publicKey: Data)
    }

    /// The headers signed, when present: what a reader sees and what unsubscribes them.
    public static let signedHeaders = [
        "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "content-transfer-encoding",
        "list-id", "list-unsubscribe", "list-unsubscribe-post",
    ]

    /// Headers a reader trusts, which must not be added after signing: named once more than
    /// they occur, absent ones too (RFC 6376 5.4.2 and 8.15), so that a replayed digest cannot
    /// gain a Reply-To or a second Subject and still verify.
    static let oversigned = [
        "from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "reply-to",
        "cc", "sender",
    ]

    let domain: String
    let selector: String
    let key: Key

    public init(_ configuration: GazetteConfiguration.DKIM) throws {
        domain = configuration.domain
        selector = configuration.selector
        let path = configuration.privateKeyPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DKIMError("delivery.dkim: cannot read the private key file \(path)")
        }
        let pem = String(decoding: data, as: UTF8.self)
        switch configuration.algorithm {
        case .rsaSHA256:
            guard let rsa = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) else {
                throw DKIMError("delivery.dkim: \(path) is not an RSA private key in PEM")
            }
            guard rsa.keySizeInBits >= 2048 else {
                throw DKIMError(
                    "delivery.dkim: \(path) holds a \(rsa.keySizeInBits)-bit RSA key; use 2048 bits or more"
                )
            }
            key = .rsa(rsa)
        case .ed25519SHA256:
            guard let seed = Self.ed25519Seed(fromPEM: pem),
                let ed25519 = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            else {
                throw DKIMError(
                    "delivery.dkim: \(path) is not an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)"
                )
            }
            key = .ed25519(seed: ed25519.rawRepresentation, publicKey: ed25519.publicKey.rawRepresentation)
        }
    }

    /// The DNS TXT record that publishes the public key, at `{selector}._domainkey.{domain}`.
    public var dnsRecord: (name: String, value: String) {
        let (kind, publicKey): (String, Data) =
            switch key {
            case .rsa(let rsa): ("rsa", rsa.publicKey.derRepresentation)
            case .ed25519(_, let publicKey): ("ed25519", publicKey)
            }
        return ("\(selector)._domainkey.\(domain)", "v=DKIM1; k=\(kind); p=\(publicKey.base64EncodedString())")
    }

    /// The message with a `DKIM-Signature` header in front. `message` uses CRLF line ends.
    public func sign(_ message: [UInt8], at time: Date) throws -> [UInt8] {
        let (headerBlock, body) = Self.split(message)
        let fields = Self.headerFields(headerBlock)
        var signedNames: [String] = []
        var headerData = Data()
        for name in Self.signedHeaders {
            // Every occurrence, the last one first, as verifiers pick them (RFC 6376 5.4.2).
            for field in fields.reversed() where field.name == name {
                signedNames.append(name)
                headerData.append(contentsOf: Array((Self.relaxedHeader(field.raw) + "\r\n").utf8))
            }
        }
        // One name more than occurrences: a verifier signs the missing one as nothing, so a
        // header added after signing breaks the signature instead of slipping past it.
        signedNames += Self.oversigned
        let bodyHash = Data(SHA256.hash(data: Self.relaxedBody(body))).base64EncodedString()
        let algorithm: String =
            switch key {
            case .rsa: "rsa-sha256"
            case .ed25519: "ed25519-sha256"
            }
        // Folded before signing; `b=` on a line of its own, so that the header the verifier
        // rebuilds with an empty b= canonicalizes to exactly what was signed.
        let unsigned =
            "DKIM-Signature: v=1; a=\(algorithm); c=relaxed/relaxed; d=\(domain); s=\(selector);\r\n"
            + " t=\(Int(time.timeIntervalSince1970)); h=\(signedNames.joined(separator: ":"));\r\n"
            + " bh=\(bodyHash);\r\n b="
        headerData.append(contentsOf: Array(Self.relaxedHeader(unsigned).utf8))
        let signature: Data
        switch key {
        case .rsa(let rsa):
            signature = try rsa.signature(for: headerData, padding: .insecurePKCS1v1_5).rawRepresentation
        case .ed25519(let seed, _):
            // RFC 8463: Ed25519 signs the SHA-256 hash of the canonicalized headers.
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            signature = try key.signature(for: Data(SHA256.hash(data: headerData)))
        }
        let encoded = signature.base64EncodedString()
        let folded = stride(from: 0, to: encoded.count, by: 72).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(
                encoded[from..<(encoded.index(from, offsetBy: 72, limitedBy: encoded.endIndex) ?? encoded.endIndex)]
            )
        }.joined(separator: "\r\n  ")
        return Array((unsigned + folded + "\r\n").utf8) + message
    }

    // MARK: Canonicalization (RFC 6376 3.4.2 and 3.4.4)

    static func split(_ message: [UInt8]) -> (headers: [UInt8], body: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        var index = 0
        while index + 4 <= message.count {
            if message[index] == 13, Array(message[index..<index + 4]) == separator {
                return (Array(message[..<(index + 2)]), Array(message[(index + 4)...]))
            }
            index += 1
        }
        return (message, [])
    }

    /// Header fields with their continuation lines, names lower-cased.
    static func headerFields(_ block: [UInt8]) -> [(name: String, raw: String)] {
        let text = String(decoding: block, as: UTF8.self)
        var fields: [(name: String, raw: String)] = []
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1].raw += "\r\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(), line))
            }
        }
        return fields
    }

    /// `name:value` with the name lower-cased, folding removed, runs of whitespace made one
    /// space, and whitespace at the ends of the value removed.
    static func relaxedHeader(_ raw: String) -> String {
        let unfolded = raw.replacingOccurrences(of: "\r\n", with: "")
        guard let colon = unfolded.firstIndex(of: ":") else { return unfolded }
        let name = unfolded[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = collapseWhitespace(String(unfolded[unfolded.index(after: colon)...]))
            .trimmingCharacters(in: .whitespaces)
        return name + ":" + value
    }

    /// Whitespace runs made one space and removed at line ends; empty lines at the end removed;
    /// a non-empty body ends in CRLF.
    static func relaxedBody(_ body: [UInt8]) -> Data {
        var lines = String(decoding: body, as: UTF8.self).components(separatedBy: "\r\n").map { line in
            var collapsed = collapseWhitespace(line)
            while collapsed.hasSuffix(" ") { collapsed.removeLast() }
            return collapsed
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { return Data() }
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func collapseWhitespace(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var inWhitespace = false
        for character in text {
            if character == " " || character == "\t" {
                if !inWhitespace { result.append(" ") }
                inWhitespace = true
            } else {
                result.append(character)
                inWhitespace = false
            }
        }
        return result
    }

    /// The 32-byte seed in a PKCS #8 Ed25519 key (`openssl genpkey -algorithm ed25519`).
    static func ed25519Seed(fromPEM pem: String) -> Data? {
        let base64 = pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let der = Data(base64Encoded: base64) else { return nil }
        // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
        let prefix: [UInt8] = [
            0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
        ]
        guard der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else { return nil }
        return der.suffix(32)
    }
}

public struct DKIMError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
