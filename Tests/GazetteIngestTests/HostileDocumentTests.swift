import Foundation
import TestSupport
import Testing

@testable import GazetteIngest

/// Hostile documents: each is refused with a clear error or read safely, never expanded,
/// never read from disk or the network.
@Suite("Hostile documents")
struct HostileDocumentTests {
    @Test("billion laughs is refused")
    func billionLaughs() {
        var entities = #"<!ENTITY lol "lol">"#
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">"
        }
        let document =
            "<?xml version=\"1.0\"?><!DOCTYPE rss [\(entities)]><rss version=\"2.0\"><channel>"
            + "<title>&lol9;</title></channel></rss>"
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(document.utf8)) }
        #expect(error?.message.contains("declares entities") == true)
    }

    @Test(
        "entity declarations the byte scan cannot see (UTF-16, UTF-7) are refused where the parser reads them, parameter entities included"
    )
    func hiddenDeclarations() throws {
        // A parameter entity, expanded inside the DTD whatever the options: 1 KB, 2,000 times.
        let references = String(repeating: "%p;", count: 2_000)
        let dtd = "<!DOCTYPE rss [<!ENTITY % p \"<!-- \(String(repeating: "x", count: 1_000)) -->\">\(references)]>"
        let rest = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>"
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + dtd + rest).data(using: .utf16LittleEndian)!)
        // UTF-7 writes "<" as +ADw-: no "<!ENTITY" among the bytes at all.
        let utf7 =
            "<?xml version=\"1.0\" encoding=\"UTF-7\"?>"
            + "+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY % p +ACI-x+ACI-+AD4-\(references)+AF0-+AD4-" + rest
        for (name, document) in [("UTF-16", utf16), ("UTF-7", Data(utf7.utf8))] {
            #expect(!Array(document).starts(with: Array("<!ENTITY".utf8)))
            let error = #expect(throws: FeedParseError.self, "\(name)") { try FeedParser.parse(document) }
            // UTF-7 is refused before the parse: no byte scan can read it (see `crowdedTags`).
            let expected = name == "UTF-7" ? "UTF-7" : "declares entities"
            #expect(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
        }
        // The same feed without a DTD, in UTF-16, still reads.
        var plain = Data([0xFF, 0xFE])
        plain.append(("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + rest).data(using: .utf16LittleEndian)!)
        #expect(try FeedParser.parse(plain).title == "t")
    }

    @Test("an element with more than 1,000 attributes is refused before libxml2 checks them pairwise, in any encoding")
    func crowdedTags() throws {
        let attributes = { (count: Int) in (0..<count).map { "a\($0)=\"\($0)\"" }.joined(separator: " ") }
        let feed = { (title: String) in
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n" + title + "\n</channel></rss>"
        }
        let started = Date()
        let crowded = feed("<title " + attributes(50_000) + ">t</title>")
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(crowded.utf8)) }
        #expect(error?.message.contains("more than 1000 attributes") == true)
        #expect(error?.line == 4)
        // UTF-16 with a byte-order mark, UTF-16 and UTF-32 big-endian without one.
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(crowded.data(using: .utf16LittleEndian)!)
        for wide in [utf16, crowded.data(using: .utf16BigEndian)!, crowded.data(using: .utf32BigEndian)!] {
            let wideError = #expect(throws: FeedParseError.self) { try FeedParser.parse(wide) }
            #expect(wideError?.message.contains("more than 1000 attributes") == true)
        }
        #expect(Date().timeIntervalSince(started) < 20, "a guard against a hang, not a timing")
        // 900 and 1,000 attributes are read and 1,001 refused; a CDATA section or a comment that
        // quotes a crowded tag is read.
        #expect(try FeedParser.parse(Data(feed("<title " + attributes(900) + ">t</title>").utf8)).title == "t")
        #expect(try FeedParser.parse(Data(feed("<title " + attributes(1_000) + ">t</title>").utf8)).title == "t")
        #expect(throws: FeedParseError.self) {
            try FeedParser.parse(Data(feed("<title " + attributes(1_001) + ">t</title>").utf8))
        }
        // Documents whose only `=` are the tag's, so the count before the walk decides at its edge.
        let bare = { (count: Int) in "<rss><channel><title " + attributes(count) + ">t</title></channel></rss>" }
        #expect(try FeedParser.parse(Data(bare(1_000).utf8)).title == "t")
        let edge = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(bare(1_001).utf8)) }
        #expect(edge?.message.contains("more than 1000 attributes") == true)
        let quoted = "<title>t</title><description><![CDATA[<p " + attributes(2_000) + ">]]></description>"
        #expect(try FeedParser.parse(Data(feed(quoted + "<!-- <p " + attributes(2_000) + "> -->").utf8)).title == "t")
    }

    @Test("a document of more elements than any feed has is refused, with or without CDATA, in recovery too")
    func tooManyElements() throws {
        let limit = XMLDocument.maxElements
        let wide = { (elements: Int, title: String) in
            "<rss version=\"2.0\"><channel><title>t</title><item><title>\(title)</title><description>"
                + String(repeating: "<a/>", count: elements) + "</description></item></channel></rss>"
        }
        // Well-formed (read with its CDATA taken out), and broken before the elements start (the
        // strict read stops there; the read in recovery mode meets them).
        for title in ["<![CDATA[x]]>", "x</b>"] {
            let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(wide(limit, title).utf8)) }
            #expect(error?.message == "more than \(limit) elements, more than any feed has", "\(title)")
        }
        // Below the limit (the root, channel, title, item, title and description count too).
        #expect(try FeedParser.parse(Data(wide(limit - 6, "x").utf8)).items.count == 1)
    }

    @Test("the quadratic blowup (one 10 KB entity used 10,000 times) is refused")
    func quadratic() {
        let entity = "<!ENTITY big \"" + String(repeating: "x", count: 10_000) + "\">"
        let document =
            "<?xml version=\"1.0\"?><!DOCTYPE rss [\(entity)]><rss version=\"2.0\"><channel><title>"
            + String(repeating: "&big;", count: 10_000) + "</title></channel></rss>"
        #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(document.utf8)) }
    }

    @Test("XXE to a file and to a loopback URL is refused, and nothing is fetched")
    func xxe() throws {
        let http = try LoopbackHTTPServer()
        for target in ["file:///etc/passwd", http.url("secret")] {
            let document =
                "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"\(target)\">]>"
                + "<rss version=\"2.0\"><channel><title>&x;</title></channel></rss>"
            #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(document.utf8)) }
        }
        // An external DTD (no entity declaration of its own) is not loaded either.
        let dtd =
            "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"\(http.url("x.dtd"))\">"
            + "<rss version=\"2.0\"><channel><title>t</title><item><title>ok</title></item></channel></rss>"
        #expect(try FeedParser.parse(Data(dtd.utf8)).items.map(\.title) == ["ok"])
        #expect(
            !FileManager.default.fileExists(atPath: http.folder.file(".requests").path),
            "the loopback server saw no request"
        )
    }

    @Test("invalid UTF-8 is repaired with U+FFFD when UTF-8 is declared, read as Windows-1252 when undeclared")
    func invalidUTF8() throws {
        let bad: [UInt8] = [0x43, 0x61, 0x66, 0xE9, 0x20, 0xFF, 0xFE, 0x21]  // "Caf\xE9 \xFF\xFE!"
        let declared =
            Array(#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item><title>"#.utf8)
            + bad + Array("</title></item></channel></rss>".utf8)
        let repaired = try FeedParser.parse(Data(declared)).items[0].title ?? ""
        #expect(repaired.contains("\u{FFFD}"))
        #expect(repaired.hasPrefix("Caf"))
        let undeclared =
            Array(#"<rss version="2.0"><channel><item><title>"#.utf8) + bad
            + Array("</title></item></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(undeclared)).items[0].title == "Café ÿþ!")
    }

    @Test("a byte-order mark and leading whitespace are dropped; UTF-8-encoded C1 controls become Windows-1252 quotes")
    func repairsBesideReadyFeeds() throws {
        let quoted: [UInt8] = [0xC2, 0x93] + Array("quoted".utf8) + [0xC2, 0x94]  // U+0093, U+0094
        let document =
            [0xEF, 0xBB, 0xBF, 0x0A, 0x20] + Array(#"<rss version="2.0"><channel><item><title>"#.utf8) + quoted
            + Array("</title></item></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(document)).items[0].title == "\u{201C}quoted\u{201D}")
        let ready =
            Array(#"<rss version="2.0"><channel><item><title>A &amp; B &#8217;</title>"#.utf8)
            + Array("</item></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(ready)).items[0].title == "A & B \u{2019}", "a feed that needs no repair")
    }

    @Test(
        "HTML named entities, unknown names and bare ampersands parse; forbidden character references do not break the feed"
    )
    func entities() throws {
        let document =
            #"<rss version="2.0"><channel><item><title>A&nbsp;&eacute;t&eacute; &mdash; AT&T &bogus; &#0; &#x1F600;</title>"#
            + "<description><![CDATA[<p>&nbsp;kept&amp;</p>]]></description></item></channel></rss>"
        let item = try FeedParser.parse(Data(document.utf8)).items[0]
        #expect(item.title == "A\u{A0}été — AT&T &bogus; \u{FFFD} 😀")
        #expect(item.summaryHTML == "<p>&nbsp;kept&amp;</p>", "CDATA is copied untouched")
    }

    @Test("an article that quotes an entity declaration inside CDATA is not a declaration")
    func quotedDeclaration() throws {
        let document =
            #"<?xml version="1.0"?><rss version="2.0"><channel><item><title>XXE explained</title>"#
            + #"<description><![CDATA[<pre>&lt;!ENTITY xxe SYSTEM "file:///etc/passwd"&gt; <!ENTITY x "y"></pre>]]></description>"#
            + "</item></channel></rss>"
        let feed = try FeedParser.parse(Data(document.utf8))
        #expect(feed.items.map(\.title) == ["XXE explained"])
    }

    @Test("a declared legacy encoding is converted")
    func latin1() throws {
        let bytes =
            Array(#"<?xml version="1.0" encoding="ISO-8859-7"?><rss version="2.0"><channel><title>"#.utf8)
            + [0xC5, 0xEB, 0xEB, 0xDC, 0xE4, 0xE1] + Array("</title></channel></rss>".utf8)
        #expect(try FeedParser.parse(Data(bytes)).title == "Ελλάδα")
    }
}
