import Foundation
import GazetteStore
import TestSupport
import Testing

@testable import GazetteApp

/// Signed link tokens: what verifies, what does not, and where the key comes from.
@Suite("Link tokens")
struct LinkTokensTests {
    let key = LinkTokens.Key(secret: Array("an example key of thirty-two chars+".utf8))
    let handle = "0123456789abcdef0123456789abcdef"
    let now = Date(timeIntervalSince1970: 1_795_900_000)

    @Test("a token verifies for its action only, until it expires")
    func actionAndExpiry() {
        let tokens = LinkTokens(signingKey: key)
        let lasting = tokens.token(for: handle, action: .unsubscribe)
        #expect(tokens.check(lasting, action: .unsubscribe, now: now.addingTimeInterval(1e9)) == .valid(handle: handle))
        for other in TokenAction.allCases where other != .unsubscribe {
            #expect(tokens.check(lasting, action: other, now: now) == .invalid, "\(other)")
        }
        let expiring = tokens.token(for: handle, action: .confirm, expires: now.addingTimeInterval(3_600))
        #expect(tokens.check(expiring, action: .confirm, now: now.addingTimeInterval(3_599)) == .valid(handle: handle))
        #expect(
            tokens.check(expiring, action: .confirm, now: now.addingTimeInterval(3_600)) == .expired(handle: handle)
        )
    }

    @Test("base64url: Foundation's base64 with - and _ and no padding, at every length")
    func base64URLDigits() {
        var random = SystemRandomNumberGenerator()
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(LinkTokens.base64URL(bytes) == expected, "\(bytes)")
        }
        #expect(LinkTokens.base64URL([0xfb, 0xff, 0xbf]) == "-_-_")
    }

    @Test("links under the site's base URL come out as appendingPathComponent makes them, for any base")
    func siteLinks() throws {
        for base in [
            "https://news.example.org", "https://news.example.org/", "https://example.org/gazette",
            "https://example.org/gazette/", "http://example.org:8080/a/b", "https://example.org/g?ref=x",
            "https://example.org/g#top",
        ] {
            let url = try #require(URL(string: base))
            for path in ["unsubscribe/k1.u.0.abc_-.MAC", "feeds/country/de.atom", "archive/2026-12-02-0f3a"] {
                let expected = url.appendingPathComponent(path)
                #expect(Gazette.url(path, under: url) == expected, "\(base) + \(path)")
            }
        }
    }

    @Test("any edited field, another key, or garbage: invalid")
    func tampering() throws {
        let tokens = LinkTokens(signingKey: key)
        let token = tokens.token(for: handle, action: .confirm, expires: now.addingTimeInterval(3_600))
        let fields = token.split(separator: ".").map(String.init)
        #expect(fields.count == 5 && fields[0] == key.id && fields[1] == "c")
        let edits = [
            [fields[0], fields[1], String(Int(fields[2])! + 86_400), fields[3], fields[4]],  // a later expiry
            [fields[0], "u", fields[2], fields[3], fields[4]],  // another action
            [fields[0], fields[1], fields[2], "fedcba9876543210fedcba9876543210", fields[4]],  // another subscriber
            [fields[0], fields[1], "0", fields[3], fields[4]],  // no expiry
            ["00000000", fields[1], fields[2], fields[3], fields[4]],  // an unknown key id
            [fields[0], fields[1], fields[2], fields[3], String(fields[4].reversed())],
            [fields[0], fields[1], fields[2], fields[3], fields[4] + "AA"],
        ]
        for edit in edits {
            #expect(tokens.check(edit.joined(separator: "."), action: .confirm, now: now) == .invalid, "\(edit)")
            #expect(tokens.check(edit.joined(separator: "."), action: .unsubscribe, now: now) == .invalid, "\(edit)")
        }
        // The MAC's last base64 digit carries 2 unused bits: a neighbouring digit decodes to the
        // same bytes, and must still be refused (one token, one spelling).
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try #require(alphabet.firstIndex(of: token.last!))
        let respelled = String(token.dropLast()) + String(alphabet[last ^ 1])
        #expect(tokens.check(respelled, action: .confirm, now: now) == .invalid)
        let other = LinkTokens(signingKey: LinkTokens.Key(secret: Array("another key, also of 32 characters".utf8)))
        #expect(other.check(token, action: .confirm, now: now) == .invalid)
        for garbage in ["", ".", "....", "a.b.c.d.e", token + ".", String(repeating: "x.", count: 10_000), "é.ü.1.2.3"]
        {
            #expect(tokens.check(garbage, action: .confirm, now: now) == .invalid)
        }
        // Random bytes never verify, and never crash the parser.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var mutated = Array(token.utf8)
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(
                in: 32...126,
                using: &generator
            )
            let text = String(decoding: mutated, as: UTF8.self)
            if text != token { #expect(tokens.check(text, action: .confirm, now: now) == .invalid, "\(text)") }
        }
    }

    @Test("a retired key still verifies what it signed; the new key signs")
    func rotation() {
        let old = LinkTokens(signingKey: key)
        let newKey = LinkTokens.Key(secret: Array("the replacement key, 32+ characters".utf8))
        let rotated = LinkTokens(signingKey: newKey, retiredKeys: [key])
        let mailed = old.token(for: handle, action: .unsubscribe)
        #expect(rotated.check(mailed, action: .unsubscribe, now: now) == .valid(handle: handle))
        #expect(rotated.token(for: handle, action: .unsubscribe).hasPrefix(newKey.id + "."))
        #expect(newKey.id != key.id)
    }

    @Test(
        "keys: from GAZETTE_TOKEN_KEY or its file; else one generated in the database and shared; errors hide the key"
    )
    func loading() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("gazette.sqlite").path
        // Two stores on one file, as the CLI and the daemon have: the generated key is the same.
        let cli = try await LinkTokens.load(environment: [:], store: try SQLiteStore(path: path))
        let server = try await LinkTokens.load(environment: [:], store: try SQLiteStore(path: path))
        #expect(cli.signingKey.id == server.signingKey.id)
        let mailed = cli.token(for: handle, action: .unsubscribe)
        #expect(server.check(mailed, action: .unsubscribe, now: now) == .valid(handle: handle))

        let secret = "operator-chosen-key-with-at-least-32-characters"
        let configured = try await LinkTokens.load(
            environment: ["GAZETTE_TOKEN_KEY": secret],
            store: try SQLiteStore(path: path)
        )
        let strict = try await LinkTokens.load(
            environment: ["GAZETTE_TOKEN_KEY": secret, "GAZETTE_TOKEN_ACCEPT_STORED_KEY": "0"],
            store: try SQLiteStore(path: path)
        )
        #expect(strict.check(mailed, action: .unsubscribe, now: now) == .invalid, "the stored key can be retired")
        #expect(configured.signingKey.id == LinkTokens.Key(secret: Array(secret.utf8)).id)
        #expect(
            configured.check(mailed, action: .unsubscribe, now: now) == .valid(handle: handle),
            "links signed with the stored key keep working"
        )

        try Data((secret + "\n").utf8).write(to: folder.file("token.key"))
        let fromFile = try await LinkTokens.load(
            environment: ["GAZETTE_TOKEN_KEY_FILE": folder.file("token.key").path],
            store: try SQLiteStore(path: path)
        )
        #expect(
            fromFile.signingKey.id == configured.signingKey.id,
            "the file's trailing newline is not part of the key"
        )

        let retired = try await LinkTokens.load(
            environment: ["GAZETTE_TOKEN_KEYS_RETIRED": secret],
            store: try SQLiteStore(path: path)
        )
        #expect(retired.signingKey.id == cli.signingKey.id)
        #expect(
            retired.check(configured.token(for: handle, action: .manage), action: .manage, now: now)
                == .valid(handle: handle)
        )

        try Data("short\n".utf8).write(to: folder.file("short.key"))
        do {
            _ = try await LinkTokens.load(
                environment: ["GAZETTE_TOKEN_KEY": "", "GAZETTE_TOKEN_KEY_FILE": folder.file("short.key").path],
                store: try SQLiteStore(path: path)
            )
            Issue.record("a short key from a file is refused")
        } catch {
            #expect("\(error)".hasPrefix("GAZETTE_TOKEN_KEY_FILE:"), "the error names where the key came from")
        }
        let short = "tooshort-secret"
        do {
            _ = try await LinkTokens.load(environment: ["GAZETTE_TOKEN_KEY": short], store: try SQLiteStore(path: path))
            Issue.record("a short key is refused")
        } catch {
            let message = "\(error)"
            #expect(message.contains("GAZETTE_TOKEN_KEY") && message.contains("at least 32"))
            #expect(!message.contains(short), "the error never shows the key")
        }
    }
}
