import Foundation
import GazetteCore
import TestSupport
import Testing

@testable import GazetteRender

@Suite("MIME encoding")
struct MIMEEncodingTests {
    func wire(
        text: String,
        subject: String = "Hello",
        from: MailboxName = MailboxName(parsing: "digest@news.example.org")!
    ) -> String {
        let message = MailMessage(
            from: from,
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

    @Test("a display name is written as it is when it is atext, quoted when it is other ASCII, else with encoded words")
    func mailbox() {
        let address = EmailAddress("digest@news.example.org")!
        let cases: [(name: String, written: String)] = [
            ("Gazette Daily", "Gazette Daily"),
            ("O'Brien & Sons #1", "O'Brien & Sons #1"),
            ("Gazette, Inc.", "\"Gazette, Inc.\""),
            ("Gazette (news)", "\"Gazette (news)\""),
            // Atext words stay as they are between encoded words.
            ("Zürich Zeitung", "=?utf-8?B?WsO8cmljaA==?= Zeitung"),
            ("Die Zeitung aus Zürich", "Die Zeitung aus =?utf-8?B?WsO8cmljaA==?="),
            ("Zürich Genève", "=?utf-8?B?WsO8cmljaCBHZW7DqHZl?="),
            // Made in code, not parsed: a control never reaches the header.
            ("Gaz\u{0}ette\r\nBcc: x@evil.test", "\"Gaz ette Bcc: x@evil.test\""),
        ]
        for (name, written) in cases {
            let mailbox = MailboxName(displayName: name, address: address)
            #expect(MIMEEncoding.mailbox(mailbox, nameLength: 6) == "\(written) <digest@news.example.org>", "\(name)")
        }
        let unnamed = MailboxName(displayName: nil, address: address)
        #expect(MIMEEncoding.mailbox(unnamed, nameLength: 6) == "digest@news.example.org")
    }

    @Test("a long display name is folded, and Python's parser reads the name and address back exactly")
    func longMailbox() throws {
        let folder = try TemporaryDirectory()
        let short = EmailAddress("digest@news.example.org")!
        let long = EmailAddress(String(repeating: "d", count: 60) + "@" + String(repeating: "n", count: 60) + ".org")!
        let names = [
            "The International Gazette Daily Digest of the World's News for Every Reader",
            "The International Gazette, Daily Digest of the World's News (for Every Reader)",
            "Die Internationale Gazette: Tägliche Übersicht der Weltnachrichten für alle Leserinnen",
            "Zürich Zeitung", "Gazette", "Gazette  with two spaces and a name long enough to need a fold",
            "Looks =?utf-8?B?SGk=?= encoded", #"The "Daily" Gazette \ Zürich's News, and a name long enough"#,
        ]
        for (index, (name, address)) in names.flatMap({ name in [(name, short), (name, long)] }).enumerated() {
            let bytes = wire(text: "x", from: MailboxName(displayName: name, address: address))
            let headers = bytes.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
            // Only the address itself may pass the limit, on a line of its own.
            for line in headers where line.utf8.count > 78 {
                #expect(line == " <\(address.value)>", "\(name)")
            }
            let file = folder.file("\(index).eml")
            try Data(bytes.utf8).write(to: file)
            let parsed = try Peers.json(Peers.runScript("check_email.py", [file.path]))
            #expect(parsed["fromName"] as? String == name, "\(name)")
            #expect(parsed["fromAddress"] as? String == address.value, "\(name)")
            #expect((parsed["defects"] as? [String]) == [], "\(name)")
            #expect((parsed["longestEncodedWord"] as? Int ?? 0) <= 75, "\(name)")
        }
        // A name with no spaces, too long for one encoded word: two adjacent words, between
        // which Python's address parser (unlike RFC 2047 6.2) keeps the folding space.
        let japanese = "国際ガゼット日刊ニュースダイジェスト世界の出来事"
        let bytes = wire(text: "x", from: MailboxName(displayName: japanese, address: short))
        #expect(bytes.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        let file = folder.file("japanese.eml")
        try Data(bytes.utf8).write(to: file)
        let parsed = try Peers.json(Peers.runScript("check_email.py", [file.path]))
        #expect((parsed["fromName"] as? String)?.replacingOccurrences(of: " ", with: "") == japanese)
        #expect(parsed["encodedWords"] as? Int == 2)
    }

    @Test("a date in the Date header is RFC 5322")
    func date() {
        #expect(wire(text: "x").contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
    }

    @Test("a date label is the date asked for, not the last one a formatter kept")
    func dateLabels() {
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let first = Date(timeIntervalSince1970: 1_795_900_000)
        let next = first.addingTimeInterval(86_400)
        let labels = [first, first, next, first].map { DateFormats.shared.string($0, "d MMM yyyy HH:mm", zone) }
        #expect(labels == ["29 Nov 2026 06:06", "29 Nov 2026 06:06", "30 Nov 2026 06:06", "29 Nov 2026 06:06"])
    }

    @Test("dates are the UTC calendar's fields: leap days, century years, before 1970, fractions of a second")
    func dateFields() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var random = SplitMix(seed: 17)
        let edges: [TimeInterval] = [
            0, -0.5, -1, -86_400, 951_782_400, 951_868_799.75, 4_107_456_000, 4_107_542_400, -2_208_988_800,
            1_795_900_000,
        ]
        let dates =
            (edges
            + (0..<3_000).map { _ in TimeInterval(Int64.random(in: -5_000_000_000...7_000_000_000, using: &random)) })
            .map(Date.init(timeIntervalSince1970:))
        for date in dates {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let fields = UTCFields(date)
            #expect(
                [fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, fields.weekday]
                    == [c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday],
                "\(date.timeIntervalSince1970)"
            )
        }
        #expect(RFCDate.rfc3339(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(RFCDate.rfc822(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 +0000")
    }

    @Test("a non-ASCII subject becomes encoded words; CR and LF in it can never start a new header")
    func subject() {
        let bytes = wire(text: "x", subject: "Zürich\r\nBcc: victim@example.org")
        #expect(bytes.contains("Subject: =?utf-8?B?"))
        #expect(!bytes.contains("\r\nBcc:"))
        let ascii = wire(text: "x", subject: "Plain\nBcc: victim@example.org")
        #expect(ascii.contains("Subject: Plain Bcc: victim@example.org\r\n"))
    }

    @Test("a long ASCII subject is folded at its spaces, not encoded, and Python's parser reads it back exactly")
    func longASCIISubject() throws {
        let folder = try TemporaryDirectory()
        let long =
            "Gazette: Germany, France, Japan, Brazil, the United Kingdom, India and Kenya (politics, economy, climate)"
        let cases: [(subject: String, encoded: Bool)] = [
            (long, false), (String(repeating: "word ", count: 60) + "end", false),
            // A word too long for a line, or double spaces a fold would change: encoded words.
            ("Headline " + String(repeating: "x", count: 80), true), ("Two  spaces " + long, true),
            // Plain ASCII that a reader would take for an encoded word goes encoded itself.
            ("What =?utf-8?B?SGk=?= means", true),
        ]
        for (index, (subject, encoded)) in cases.enumerated() {
            let bytes = wire(text: "x", subject: subject)
            let header = try #require(bytes.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }.first)
            #expect(header.hasPrefix("Subject: =?utf-8?B?") == encoded, "\(subject)")
            let lines = bytes.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "\(subject)")
            let file = folder.file("\(index).eml")
            try Data(bytes.utf8).write(to: file)
            let parsed = try Peers.json(Peers.runScript("check_email.py", [file.path]))
            #expect(parsed["subject"] as? String == subject)
            #expect((parsed["defects"] as? [String]) == [])
        }
    }
}

@Suite("Quoted-printable at its limits")
struct QuotedPrintableLimitTests {
    @Test("worst cases decode back to the input, lines within 76 characters")
    func worstCases() {
        for text in [
            String(repeating: "=", count: 10_000), String(repeating: "é", count: 10_000),
            String(repeating: "\r", count: 5_000), String(repeating: "\n", count: 5_000),
            String(repeating: "word  \n", count: 2_000), String(repeating: " ", count: 3_000),
            String(repeating: "x", count: 74) + "=", String(repeating: "\t", count: 500) + "\r\n",
            "", "=",
        ] {
            let encoded = MIMEEncoding.quotedPrintable(text)
            #expect(
                encoded.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 76 }
            )
            // Line breaks of any kind come out as CRLF.
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            #expect(decode(encoded) == lines.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }

    @Test(
        "random mixes of runs, spaces, tabs, '=', line ends and non-ASCII decode back, fit, and keep no trailing blank"
    )
    func randomMixes() {
        // Seeded: a failure repeats. Long runs reach the line limit; the rest break runs.
        var random = SplitMix(seed: 2026)
        let pieces = [
            "x", " ", "\t", "=", "\r", "\n", "\r\n", "é", "<a href=\"x\">", "😀", String(repeating: "x", count: 70),
            String(repeating: "x ", count: 37),
            // Bytes that must never pass as they are, inside what would otherwise be an eight-byte run.
            "abcdefg\u{0}hijklmnop", "abcdefgh\u{1}ijklmnop", "abc\u{7F}defghijklmn", "abcdefghijklm\u{85}n",
            "abcdefghijk\u{1B}lmnop", "abcdefghij~\u{1F} !",
        ]
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...300, using: &random) {
                text += Bool.random(using: &random) ? "x" : pieces.randomElement(using: &random)!
            }
            let encoded = MIMEEncoding.quotedPrintable(text)
            // 7-bit and printable: no control but tab and CRLF, nothing above "~".
            #expect(
                encoded.utf8.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A },
                "\(text.debugDescription)"
            )
            let lines = encoded.split(separator: "\r\n", omittingEmptySubsequences: false)
            #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(text.debugDescription)")
            #expect(!lines.contains { $0.hasSuffix(" ") || $0.hasSuffix("\t") }, "\(text.debugDescription)")
            // Lines are filled: a soft break comes only where the next character would not fit
            // (75 columns and the "=", or 76 for a line's last character).
            for (line, next) in zip(lines, lines.dropFirst()) where line.hasSuffix("=") {
                let width = next.hasPrefix("=") ? 3 : 1
                let limit = next.utf8.count == width ? 76 : 75
                #expect(line.utf8.count - 1 + width > limit, "\(text.debugDescription)")
            }
            let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            #expect(
                decode(encoded) == expected.replacingOccurrences(of: "\n", with: "\r\n"),
                "\(text.debugDescription)"
            )
        }
    }

    /// Quoted-printable decoding (RFC 2045 6.7), enough to check the encoder.
    func decode(_ encoded: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(encoded.utf8)
        var index = 0
        while index < input.count {
            guard input[index] == UInt8(ascii: "=") else {
                bytes.append(input[index])
                index += 1
                continue
            }
            guard index + 2 < input.count else { return "a lone = at the end" }
            let (first, second) = (input[index + 1], input[index + 2])
            index += 3
            if first == 13 && second == 10 { continue }  // a soft line break
            guard let byte = UInt8(String(decoding: [first, second], as: UTF8.self), radix: 16) else {
                return "not hex after ="
            }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
