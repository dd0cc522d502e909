import Foundation
import GazetteIngest
import Testing

@Suite("HTML to text")
struct HTMLTextTests {
    @Test("tags dropped, entities decoded, script and style removed, blocks on their own lines")
    func basics() {
        let html = "<p>One&nbsp;&amp; <b>two</b></p><script>evil()</script><style>p{}</style><p>caf&eacute;</p>after"
        #expect(HTMLText.plainText(fromHTML: html) == "One & two\ncafé\nafter")
    }

    @Test("plain text passes through with whitespace collapsed")
    func plain() {
        #expect(HTMLText.plainText(fromHTML: "  a \t b\n\n c  ") == "a b\nc")
    }

    @Test("deeply nested markup does not exhaust the stack")
    func deepNesting() {
        let html = String(repeating: "<div>", count: 50_000) + "deep" + String(repeating: "</div>", count: 50_000)
        // libxml2 stops nesting at its depth limit and may drop the innermost text; what this
        // test asserts is that the walk returns at all, with bounded output.
        #expect(HTMLText.plainText(fromHTML: html).count < 100)
    }

    @Test("the limit bounds the output")
    func limit() {
        let html = "<p>" + String(repeating: "long words ", count: 10_000) + "</p>"
        #expect(HTMLText.plainText(fromHTML: html, limit: 500).count <= 500)
    }
}

@Suite("Feed dates")
struct FeedDateTests {
    static let reference = Date(timeIntervalSince1970: 1_795_853_700)  // 2026-11-28T08:15:00Z

    @Test(
        "RFC 822 and its real-world variants",
        arguments: [
            "Sat, 28 Nov 2026 09:15:00 +0100", "Sat, 28 Nov 2026 08:15:00 GMT", "28 Nov 2026 08:15:00 Z",
            "Sat, 28 Nov 2026 03:15:00 EST", "Sat,  28 Nov 2026 00:15:00 PST", "Sat, 28 November 2026 08:15 UT",
            "Saturday, 28 Nov 2026 08:15:00 +00:00", "Sat, 28 Nov 26 08:15:00 +0000",
            "sat, 28 NOV 2026 08:15:00 gmt", "\n\t Sat, 28 Nov 2026 08:15:00 GMT \r\n", "Sat,28 Nov 2026 09:15:00 +01",
            // A weekday of up to ten characters, however many bytes: Greek, Russian.
            "Σάββατο, 28 Nov 2026 08:15:00 GMT", "Суббота, 28 Nov 2026 08:15:00 GMT",
        ]
    )
    func rfc822(_ text: String) {
        #expect(FeedDate.parse(text) == Self.reference)
    }

    @Test(
        "ISO 8601 with and without fractions and zones",
        arguments: [
            "2026-11-28T08:15:00Z", "2026-11-28T09:15:00+01:00", "2026-11-28T09:15:00+0100",
            "2026-11-28T03:15:00-05:00", "2026-11-28 08:15:00Z", "2026-11-28T08:15:00",
        ]
    )
    func iso8601(_ text: String) {
        #expect(FeedDate.parse(text) == Self.reference)
    }

    @Test("runs of blanks or colons separate as one; a time of four parts or a zone of three digits is refused")
    func separatorRuns() {
        for variant in [
            "Sat,  28 \t Nov 2026  08:15:00   GMT", "Sat, 28 Nov 2026 08::15:00 GMT", "Sat, 28 Nov 2026 :08:15:00: GMT",
            "28 Nov 2026 08:15:00 +00:00 and more",
        ] {
            #expect(FeedDate.parse(variant) == Self.reference, "\(variant)")
        }
        for refused in [
            "Sat, 28 Nov 2026 08:15:00:01 GMT", "Sat, 28 Nov 2026 08 GMT", "Sat, 28 Nov 2026",
            "28 Nov 2026 08:15 +00:0",
        ] {
            #expect(FeedDate.parse(refused) == nil, "\(refused)")
        }
    }

    @Test("fractions are kept; a date alone is midnight UTC; a single-digit day parses")
    func details() {
        #expect(FeedDate.parse("2026-11-28T08:15:00.250Z") == Self.reference.addingTimeInterval(0.25))
        #expect(FeedDate.parse("2026-11-28") == Date(timeIntervalSince1970: 1_795_824_000))
        #expect(FeedDate.parse("Tue, 1 Dec 2026 00:00:00 GMT") == Date(timeIntervalSince1970: 1_796_083_200))
    }

    @Test(
        "nonsense is nil, never a crash",
        arguments: [
            "", "yesterday", "Sat, 31 Feb 2026 00:00:00 GMT", "2026-13-01T00:00:00Z", "2026-11-28T25:00:00Z",
            "Sat, 28 Nov 2026 08:15:00 +9999", "2026-11-28T08:15:00+01:00junk", String(repeating: "9", count: 500),
            "Sat, 28 Nov 2026 08:15:00 +-100", "99999999999999999999 Nov 2026 08:15:00 GMT", "28 Nov 2026 8:99",
            "Wednesdayyy, 28 Nov 2026 08:15:00 GMT", "28 Nö 2026 08:15:00 GMT", "28 Nov 2026", "2026-11-28T08",
        ]
    )
    func nonsense(_ text: String) {
        #expect(FeedDate.parse(text) == nil)
    }
}
