import Foundation
import GazetteCore
import GazetteRender
import Testing

@Suite("MIME encoding")
struct MIMEEncodingTests {
    func wire(text: String, subject: String = "Hello") -> String {
        let message = MailMessage(
            from: MailboxName(parsing: "digest@news.example.org")!,
            to: EmailAddress("reader@example.org")!,
            subject: subject,
            date: Date(timeIntervalSince1970: 0),
            messageID: "id@news.example.org",
            listUnsubscribe: URL(string: "https://news.example.org/u")!,
            text: text,
            html: nil
        )
        return String(decoding: message.bytes(), as: UTF8.self)
    }

    @Test("every line ends in CRLF and stays within 78 octets, whatever the input's line ends")
    func lines() {
        let body =
            String(repeating: "x", count: 2_000) + "\nbare LF\rbare CR\r\nCRLF " + String(repeating: "é", count: 300)
        let bytes = wire(text: body)
        #expect(!bytes.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!bytes.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(bytes.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test("quoted-printable encodes '=', non-ASCII and trailing spaces")
    func quotedPrintable() {
        let bytes = wire(text: "a=b é trailing \nend")
        #expect(bytes.contains("a=3Db =C3=A9 trailing=20\r\nend"))
    }

    @Test("a grapheme longer than an encoded word is split between its scalars; no empty or overlong words")
    func longGrapheme() {
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 40) + " news"
        let bytes = wire(text: "x", subject: zalgo)
        #expect(!bytes.contains("=?utf-8?B??="))
        #expect(bytes.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test("a date in the Date header is RFC 5322")
    func date() {
        #expect(wire(text: "x").contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
    }

    @Test("a non-ASCII subject becomes encoded words; CR and LF in it can never start a new header")
    func subject() {
        let bytes = wire(text: "x", subject: "Zürich\r\nBcc: victim@example.org")
        #expect(bytes.contains("Subject: =?utf-8?B?"))
        #expect(!bytes.contains("\r\nBcc:"))
        let ascii = wire(text: "x", subject: "Plain\nBcc: victim@example.org")
        #expect(ascii.contains("Subject: Plain Bcc: victim@example.org\r\n"))
    }
}
