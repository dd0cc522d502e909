import GazetteCore
import Testing

@Suite("Values")
struct ValueTests {
    @Test(
        "email addresses that could inject headers or commands are refused",
        arguments: [
            "", "plain", "a@b", "a b@c.org", "a@b.org\r\nBcc: x@y.org", "<a@b.org>", "a@b.org>", "\"q\"@b.org",
            "a..b@c.org", ".a@c.org", "a@-b.org", "a@b..org",
        ]
    )
    func invalidEmail(_ raw: String) {
        #expect(EmailAddress(raw) == nil)
    }

    @Test("email domains are lower-cased, local parts kept")
    func emailCase() {
        #expect(EmailAddress(" Anna.B+news@Example.ORG ")?.value == "Anna.B+news@example.org")
        #expect(EmailAddress("x@mail.example.org")?.domain == "mail.example.org")
    }

    @Test("countries are ISO 3166-1 codes, any case")
    func countries() {
        #expect(Country(code: "de")?.code == "DE")
        #expect(Country(code: "DE")?.name == "Germany")
        #expect(Country(code: "XX") == nil)
        #expect(Country(code: "EU") == nil)
        #expect(Country(code: "DEU") == nil)
    }

    @Test("mailboxes parse with and without a display name")
    func mailbox() {
        #expect(MailboxName(parsing: "Gazette <d@news.example.org>")?.displayName == "Gazette")
        #expect(MailboxName(parsing: "d@news.example.org")?.displayName == nil)
        #expect(MailboxName(parsing: "Bad \"Name\" <d@news.example.org>") == nil)
        // A lone CR or LF, a NUL, DEL or a C1 control: each refused on its own, not only as CRLF.
        for control in ["\r", "\n", "\r\n", "\u{0}", "\u{1B}", "\u{7F}", "\u{85}"] {
            #expect(
                MailboxName(parsing: "Gaz\(control)ette <d@news.example.org>") == nil,
                "\(control.debugDescription)"
            )
        }
        #expect(MailboxName(parsing: "Gazette Ünïcode <d@news.example.org>")?.displayName == "Gazette Ünïcode")
    }

    @Test("a lead keeps whole sentences within the limit")
    func lead() {
        let text = "First sentence here. Second one is longer than the first. The U.S. said 3.5 percent. Fourth."
        #expect(TextSnippet.lead(text, limit: 60) == "First sentence here. Second one is longer than the first.")
        #expect(TextSnippet.lead("Short text.", limit: 60) == "Short text.")
        let long = String(repeating: "word ", count: 100)
        let cut = TextSnippet.lead(long, limit: 50)
        #expect(cut.count <= 50)
        #expect(cut.hasSuffix("…"))
    }

    @Test("sentence splitting keeps abbreviations and decimals whole")
    func sentences() {
        let text = "The U.S. economy grew 3.5 percent. Analysts were surprised."
        #expect(TextSnippet.lead(text, limit: 40) == "The U.S. economy grew 3.5 percent.")
    }

    @Test("stable hashes do not change between runs")
    func stableHash() {
        #expect(StableHash.hex("gazette") == StableHash.hex("gazette"))
        #expect(StableHash.hex("") == "cbf29ce484222325")
    }
}

@Suite("IP addresses")
struct IPAddressTests {
    @Test("internal addresses (loopback, private, shared, link-local, multicast, mapped, NAT64) and public ones")
    func ranges() throws {
        for inside in [
            "127.0.0.1", "10.0.0.5", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "169.254.169.254",
            "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1", "::1", "::", "fd12::1", "fe80::1",
            "ff02::1", "::ffff:10.0.0.5", "::ffff:127.0.0.1", "64:ff9b::a00:5",
        ] {
            #expect(try #require(IPAddress(inside), "\(inside)").isInternal, "\(inside)")
        }
        for outside in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(try #require(IPAddress(outside), "\(outside)").isInternal == false, "\(outside)")
        }
        for text in ["", "example.org", "1.2.3", "::g", "1.2.3.4.5"] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        #expect(IPAddress("10.1.2.3")?.isPrivateNetwork == true && IPAddress("100.64.0.1")?.isPrivateNetwork == false)
    }
}
