import Foundation
import GazetteCore

/// One email, ready to hand to SMTP or the outbox: RFC 5322 headers, a `multipart/alternative`
/// body (text first, then HTML) or a single text part, UTF-8 in quoted-printable, CRLF line ends.
public struct MailMessage: Sendable {
    public var from: MailboxName
    public var to: EmailAddress
    public var subject: String
    public var date: Date
    /// Without angle brackets: `20261129.42@news.example.org`.
    public var messageID: String
    /// Set for digests, which are list mail (`List-Id`, `Precedence: bulk`, `List-Unsubscribe`);
    /// nil for a message the reader asked for, such as the confirmation email.
    public var listUnsubscribe: URL?
    /// A `mailto:` alternative for `List-Unsubscribe` (RFC 2369); the https URL comes first.
    public var listUnsubscribeMailto: URL?
    public var text: String
    public var html: String?

    public init(
        from: MailboxName,
        to: EmailAddress,
        subject: String,
        date: Date,
        messageID: String,
        listUnsubscribe: URL?,
        listUnsubscribeMailto: URL? = nil,
        text: String,
        html: String?
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.listUnsubscribe = listUnsubscribe
        self.listUnsubscribeMailto = listUnsubscribeMailto
        self.text = text
        self.html = html
    }

    /// The message as it goes on the wire.
    public func bytes() -> [UInt8] {
        var lines = [
            "From: " + MIMEEncoding.mailbox(from, nameLength: "From: ".count),
            "To: " + to.value,
            "Subject: " + MIMEEncoding.headerText(SafeText.header(subject), nameLength: "Subject: ".count),
            "Date: " + RFCDate.rfc822(date),
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
        ]
        if let listUnsubscribe {
            lines += [
                // RFC 2919: lets clients and filters recognise the digest as one list.
                "List-Id: <digest.\(listUnsubscribe.host ?? "localhost")>",
                "Precedence: bulk",
                // Folded, one URL a line: a URL with its token rarely fits after the name.
                "List-Unsubscribe:\r\n <\(listUnsubscribe.absoluteString)>"
                    + (listUnsubscribeMailto.map { ",\r\n <\($0.absoluteString)>" } ?? ""),
                // RFC 8058: mail clients may unsubscribe with one POST, no page to visit.
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            ]
        }
        // The bodies are encoded straight into the message's bytes, not into strings first.
        var output: [UInt8] = []
        output.reserveCapacity(4_096 + (text.utf8.count + (html?.utf8.count ?? 0)) * 5 / 4)
        func line(_ text: String) {
            output.append(contentsOf: text.utf8)
            output.append(contentsOf: [13, 10])
        }
        for header in lines { line(header) }
        if let html {
            // Quoted-printable never emits "=_", so this boundary cannot occur in a part.
            let boundary = "=_gazette_" + StableHash.hex(messageID)
            line("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            line("")
            line("This is a multi-part message in MIME format.")
            for (type, body) in [("text/plain", text), ("text/html", html)] {
                line("--" + boundary)
                line("Content-Type: \(type); charset=utf-8")
                line("Content-Transfer-Encoding: quoted-printable")
                line("")
                MIMEEncoding.appendQuotedPrintable(body, to: &output)
                output.append(contentsOf: [13, 10])
            }
            line("--" + boundary + "--")
        } else {
            line("Content-Type: text/plain; charset=utf-8")
            line("Content-Transfer-Encoding: quoted-printable")
            line("")
            MIMEEncoding.appendQuotedPrintable(text, to: &output)
            output.append(contentsOf: [13, 10])
        }
        return output
    }
}
