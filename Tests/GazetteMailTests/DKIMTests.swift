import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import TestSupport
import Testing

/// DKIM signatures checked by dkimpy, the reference verifier, against the DNS records Gazette
/// prints; keys made by openssl, as an operator makes them.
@Suite("DKIM signing")
struct DKIMTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
    }

    func key(_ algorithm: GazetteConfiguration.DKIM.Algorithm, bits: Int = 2048) throws -> GazetteConfiguration.DKIM {
        let path = folder.file("\(algorithm.rawValue)-\(bits).pem").path
        let arguments =
            algorithm == .rsaSHA256
            ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)", "-out", path]
            : ["genpkey", "-algorithm", "ed25519", "-out", path]
        let made = try Peers.run("/usr/bin/openssl", arguments)
        #expect(made.status == 0, "\(made.stderr)")
        let selector = algorithm == .rsaSHA256 ? "rsa2026" : "ed2026"
        return .init(domain: "news.example.org", selector: selector, privateKeyPath: path, algorithm: algorithm)
    }

    /// A digest-like message with non-ASCII headers, folded List-Unsubscribe and long QP lines.
    func message() -> [UInt8] {
        MailMessage(
            from: MailboxName(parsing: "Gazette Ünïcode <digest@news.example.org>")!,
            to: EmailAddress("reader@example.org")!,
            subject: "Gazette: Germany, France — 29 Nov 2026",
            date: Date(timeIntervalSince1970: 1_795_900_000),
            messageID: "2026-11-29.7.abc@news.example.org",
            listUnsubscribe: URL(string: "https://news.example.org/unsubscribe/abc")!,
            listUnsubscribeMailto: URL(string: "mailto:digest@news.example.org?subject=unsubscribe%20abc")!,
            text: "Zürich talks.  Two  spaces, a trailing space \n\n" + String(repeating: "word ", count: 60),
            html: "<p>Zürich &amp; Genève</p>"
        ).bytes()
    }

    func verify(_ bytes: [UInt8], _ signers: [DKIMSigner]) throws -> [Bool] {
        let file = folder.file("signed-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        let records = signers.map { "\($0.dnsRecord.name)=\($0.dnsRecord.value)" }
        let result = try Peers.json(Peers.runScript("verify_dkim.py", [file.path] + records))
        #expect(result["signatures"] as? Int == signers.count)
        return result["results"] as? [Bool] ?? []
    }

    @Test("rsa-sha256 and ed25519-sha256 signatures, alone and together, verify in dkimpy")
    func signatures() throws {
        let rsa = try DKIMSigner(try key(.rsaSHA256))
        let ed25519 = try DKIMSigner(try key(.ed25519SHA256))
        let time = Date(timeIntervalSince1970: 1_795_900_100)
        #expect(try verify(try rsa.sign(message(), at: time), [rsa]) == [true])
        #expect(try verify(try ed25519.sign(message(), at: time), [ed25519]) == [true])
        let both = try ed25519.sign(try rsa.sign(message(), at: time), at: time)
        #expect(try verify(both, [rsa, ed25519]) == [true, true])
        #expect(rsa.dnsRecord.name == "rsa2026._domainkey.news.example.org")
        #expect(ed25519.dnsRecord.value.hasPrefix("v=DKIM1; k=ed25519; p="))
    }

    @Test("a changed subject or body breaks the signature; whitespace a relay may touch does not")
    func tamper() throws {
        let signer = try DKIMSigner(try key(.rsaSHA256))
        let signed = String(decoding: try signer.sign(message(), at: Date()), as: UTF8.self)
        let subject = signed.replacingOccurrences(of: "Subject: ", with: "Subject: Re: ")
        #expect(try verify(Array(subject.utf8), [signer]) == [false])
        let body = signed.replacingOccurrences(of: "Z=C3=BCrich talks", with: "Zurich talks")
        #expect(body != signed)
        #expect(try verify(Array(body.utf8), [signer]) == [false])
        let relayed =
            signed.replacingOccurrences(of: "\r\nMIME-Version: 1.0", with: "\r\nMIME-Version:  1.0 ") + "\r\n\r\n"
        #expect(try verify(Array(relayed.utf8), [signer]) == [true], "relaxed canonicalization")
    }

    @Test("a long ASCII subject, folded over several lines, is signed as one and verifies")
    func foldedSubject() throws {
        let signer = try DKIMSigner(try key(.ed25519SHA256))
        let message = MailMessage(
            from: MailboxName(parsing: "Gazette <digest@news.example.org>")!,
            to: EmailAddress("reader@example.org")!,
            subject: "Gazette: " + String(repeating: "Germany, France, Japan, Brazil, ", count: 4) + "and Kenya",
            date: Date(timeIntervalSince1970: 1_795_900_000),
            messageID: "folded@news.example.org",
            listUnsubscribe: URL(string: "https://news.example.org/unsubscribe/abc")!,
            text: "x",
            html: nil
        ).bytes()
        let subjectLines = String(decoding: message, as: UTF8.self).components(separatedBy: "\r\n")
            .drop { !$0.hasPrefix("Subject: ") }.dropFirst().prefix { $0.hasPrefix(" ") }
        #expect(!subjectLines.isEmpty, "folded over more than one line")
        #expect(try verify(try signer.sign(message, at: Date()), [signer]) == [true])
    }

    @Test("a header added after signing breaks it, present (a second Subject) or absent before (Reply-To, Cc)")
    func addedHeaders() throws {
        let signer = try DKIMSigner(try key(.ed25519SHA256))
        let signed = String(decoding: try signer.sign(message(), at: Date()), as: UTF8.self)
        #expect(try verify(Array(signed.utf8), [signer]) == [true])
        for added in [
            "Reply-To: attacker@evil.test", "Cc: attacker@evil.test", "Subject: Urgent", "Sender: x@evil.test",
        ] {
            let tampered = signed.replacingOccurrences(of: "\r\nMIME-Version:", with: "\r\n\(added)\r\nMIME-Version:")
            #expect(tampered != signed)
            #expect(try verify(Array(tampered.utf8), [signer]) == [false], "\(added)")
        }
        // A header that is not covered at all may be added by a relay: the signature still holds.
        let relayed = signed.replacingOccurrences(of: "\r\nMIME-Version:", with: "\r\nX-Relay: yes\r\nMIME-Version:")
        #expect(try verify(Array(relayed.utf8), [signer]) == [true])
    }

    @Test("a message with a signed header twice (two To lines) is signed over both and verifies")
    func repeatedHeader() throws {
        let signer = try DKIMSigner(try key(.rsaSHA256))
        let twice = String(decoding: message(), as: UTF8.self)
            .replacingOccurrences(of: "\r\nTo: ", with: "\r\nTo: other@example.org\r\nTo: ")
        let signed = try signer.sign(Array(twice.utf8), at: Date())
        #expect(try verify(signed, [signer]) == [true])
        let swapped = String(decoding: signed, as: UTF8.self)
            .replacingOccurrences(of: "To: other@example.org", with: "To: another@example.org")
        #expect(try verify(Array(swapped.utf8), [signer]) == [false], "the first To is covered too")
    }

    @Test("the signed headers include From, Subject, Date, Message-ID and both List-Unsubscribe headers")
    func coverage() throws {
        let signer = try DKIMSigner(try key(.ed25519SHA256))
        let signed = String(decoding: try signer.sign(message(), at: Date()), as: UTF8.self)
        let header = try #require(signed.components(separatedBy: "\r\n\r\n").first)
        let tags = header.replacingOccurrences(of: "\r\n ", with: " ")
        let h = try #require(tags.range(of: "h=")).upperBound
        let names = tags[h...].prefix { $0 != ";" }.split(separator: ":").map(String.init)
        for required in ["from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"] {
            #expect(names.contains(required), "\(required) in h=\(names)")
        }
        #expect(tags.contains("c=relaxed/relaxed"))
    }

    @Test("a key that is missing, not a key, or too short is a clear error that never shows the key")
    func badKeys() throws {
        let missing = GazetteConfiguration.DKIM(
            domain: "news.example.org",
            selector: "s",
            privateKeyPath: folder.file("absent.pem").path,
            algorithm: .rsaSHA256
        )
        #expect(throws: DKIMError.self) { try DKIMSigner(missing) }
        let short = try key(.rsaSHA256, bits: 1024)
        let error = #expect(throws: DKIMError.self) { try DKIMSigner(short) }
        #expect(error?.description.contains("2048") == true)
        let ed25519 = try key(.ed25519SHA256)
        var mismatched = ed25519
        mismatched.algorithm = .rsaSHA256
        let wrong = #expect(throws: DKIMError.self) { try DKIMSigner(mismatched) }
        let pem = try String(contentsOfFile: ed25519.privateKeyPath, encoding: .utf8)
        let body = pem.components(separatedBy: "\n")[1]
        #expect(wrong?.description.contains(body) == false)
    }
}
