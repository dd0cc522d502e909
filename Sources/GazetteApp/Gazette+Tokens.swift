import Foundation
import GazetteCore
import GazetteStore

extension LinkTokens {
    /// The environment variables that hold link-signing keys.
    public enum Variable {
        /// The key that signs new links (at least 32 characters).
        public static let key = "GAZETTE_TOKEN_KEY"
        /// A file holding that key, for secrets mounted as files.
        public static let keyFile = "GAZETTE_TOKEN_KEY_FILE"
        /// Earlier keys, separated by commas or white space: their links still work.
        public static let retiredKeys = "GAZETTE_TOKEN_KEYS_RETIRED"
        /// `0`: once a key is configured, links signed with the key generated in the database
        /// stop working (when that database, or a backup of it, may have leaked).
        public static let acceptStoredKey = "GAZETTE_TOKEN_ACCEPT_STORED_KEY"
    }

    static let storedKeyName = "linkTokenKey"
    static let minimumKeyLength = 32

    /// The keys from the environment: `GAZETTE_TOKEN_KEY` (or the file `GAZETTE_TOKEN_KEY_FILE`
    /// names) signs. When neither is set, a random key is generated on first use and kept in the
    /// database, so the CLI and the server sign alike. The stored key keeps verifying after an
    /// operator sets one of their own (unless `GAZETTE_TOKEN_ACCEPT_STORED_KEY=0`), and so do
    /// `GAZETTE_TOKEN_KEYS_RETIRED`. Errors name the variable, never the key.
    public static func load(environment: [String: String], store: any GazetteStore) async throws -> LinkTokens {
        var configured: (key: String, variable: String)?
        if let value = environment[Variable.key], !value.isEmpty {
            configured = (value, Variable.key)
        } else if let path = environment[Variable.keyFile], !path.isEmpty {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw GazetteError("\(Variable.keyFile): cannot read \(path)")
            }
            let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            configured = (text, Variable.keyFile)
        }
        var retired = try (environment[Variable.retiredKeys] ?? "")
            .split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map { try key(String($0), from: Variable.retiredKeys) }
        if let configured {
            let signing = try key(configured.key, from: configured.variable)
            if environment[Variable.acceptStoredKey] != "0",
                let stored = try await store.storedSecret(named: storedKeyName)
            {
                retired.append(Key(secret: Array(stored.utf8)))
            }
            return LinkTokens(signingKey: signing, retiredKeys: retired)
        }
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
        let stored = try await store.storedSecret(named: storedKeyName, ifAbsent: fresh.joined())
        return LinkTokens(signingKey: Key(secret: Array(stored.utf8)), retiredKeys: retired)
    }

    private static func key(_ text: String, from variable: String) throws -> Key {
        guard text.utf8.count >= minimumKeyLength else {
            throw GazetteError(
                "\(variable): a key must have at least \(minimumKeyLength) characters (one has \(text.utf8.count)); "
                    + "`openssl rand -hex 32` makes one"
            )
        }
        return Key(secret: Array(text.utf8))
    }
}

/// A subscriber found through a signed link, or why not.
public enum TokenLookup: Sendable {
    case found(SubscriberRecord)
    /// The link was real but has expired (a confirmation link after 48 hours).
    case expired
    /// Not a valid link for this action, or its subscriber is gone.
    case invalid
}

extension Gazette {
    /// The token for one subscriber's link to `action`; confirmation links expire.
    public func token(for subscriber: Subscriber, action: TokenAction) -> String {
        let expires = action == .confirm ? now().addingTimeInterval(Self.confirmationValidity) : nil
        return tokens.token(for: subscriber.token, action: action, expires: expires)
    }

    /// The subscriber a signed link is for, checked for its action and expiry.
    public func subscriber(for token: String, action: TokenAction) async throws -> TokenLookup {
        switch tokens.check(token, action: action, now: now()) {
        case .invalid: return .invalid
        case .expired: return .expired
        case .valid(let handle):
            guard let record = try await store.subscriber(token: handle) else { return .invalid }
            return .found(record)
        }
    }
}
