import Foundation
import GazetteCore
import GazetteIngest
import TestSupport
import Testing

func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try Data(contentsOf: url)
}

@Suite("Feed parser")
struct FeedParserTests {
    @Test("RSS 2.0: title, link, guid, date, author, categories, description and content:encoded")
    func rss2() throws {
        let feed = try FeedParser.parse(fixture("rss2.xml"))
        #expect(feed.format == .rss2)
        #expect(feed.title == "Fixture RSS")
        #expect(feed.items.count == 4)
        let first = feed.items[0]
        #expect(first.title == "First & foremost")
        #expect(first.link == "https://fixture.example/a/1")
        #expect(first.guid == "fixture-1")
        #expect(first.author == "Ada Writer")
        #expect(first.categories == ["Politics"])
        #expect(first.summaryHTML == "Short <b>description</b>.")
        #expect(first.contentHTML?.contains("<script>") == true)
        #expect(first.dateText == "Sat, 28 Nov 2026 09:15:00 +0100")
        #expect(feed.items[1].guid == nil)
    }

    @Test("Atom 1.0: alternate link, text constructs by type, updated when published is missing")
    func atom() throws {
        let feed = try FeedParser.parse(fixture("atom.xml"))
        #expect(feed.format == .atom)
        #expect(feed.items.count == 2)
        let first = feed.items[0]
        #expect(first.link == "https://fixture.example/e/1")
        #expect(first.title == "Markup <em>in</em> title")
        // type="text" is escaped so that its literal "<tag>" is never taken for markup.
        #expect(first.summaryHTML == "Text with a literal &lt;tag&gt; that is not markup.")
        #expect(first.contentHTML == "<p>HTML content.</p>")
        #expect(first.dateText == "2026-11-28T10:55:00+01:00")
        #expect(first.categories == ["economy"])
        #expect(feed.items[1].dateText == "2026-11-28T08:30:00.250Z")
        #expect(feed.items[1].link == "https://fixture.example/e/2")
    }

    @Test("RSS 1.0 (RDF) items sit beside the channel")
    func rdf() throws {
        let feed = try FeedParser.parse(fixture("rdf.xml"))
        #expect(feed.format == .rss1)
        #expect(feed.items.map(\.title) == ["RDF item"])
        #expect(feed.items[0].guid == "https://fixture.example/r/1")
        #expect(feed.items[0].dateText == "2026-11-28T07:00:00+01:00")
    }

    @Test("a web page where a feed should be is a clear error with its line")
    func notAFeed() throws {
        let error = try #require(throws: FeedParseError.self) { try FeedParser.parse(fixture("not-a-feed.html")) }
        #expect(error.line != nil)
        #expect(error.description.hasPrefix("line "))
    }

    @Test("a truncated document is read in recovery mode, with a warning that says what was wrong")
    func truncated() throws {
        let feed = try FeedParser.parse(fixture("truncated.xml"))
        #expect(feed.items.map(\.title) == ["Half an item"])
        #expect(feed.warning?.contains("line 3") == true)
        #expect(try FeedParser.parse(fixture("rss2.xml")).warning == nil, "well-formed feeds carry no warning")
    }

    @Test("documents that declare entities are refused before expansion")
    func entityExpansion() throws {
        let error = try #require(throws: FeedParseError.self) { try FeedParser.parse(fixture("entity-expansion.xml")) }
        #expect(error.message.contains("declares entities"))
        #expect(throws: FeedParseError.self) { try FeedParser.parse(fixture("external-entity.xml")) }
    }

    @Test("an external DTD is never loaded")
    func externalDTD() throws {
        let feed = try FeedParser.parse(fixture("external-dtd.xml"))
        #expect(feed.items.map(\.title) == ["External DTD item"])
        #expect(feed.title?.contains("root:") == false)
    }

    @Test("an empty body and a document with another root are errors")
    func otherRoots() {
        #expect(throws: FeedParseError.self) { try FeedParser.parse(Data()) }
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data("<html><body/></html>".utf8)) }
        #expect(error?.message.contains("not RSS, Atom or JSON Feed") == true)
    }

    @Test("hostile bytes never crash the parser", arguments: 0..<20)
    func garbage(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        var bytes = Array("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>".utf8)
        bytes += (0..<2_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        _ = try? FeedParser.parse(Data(bytes))
    }
}

@Suite("Feed formats and namespaces")
struct FeedFormatTests {
    @Test("xml:base resolves relative links; atom:link, dc:* and media:* are read")
    func namespaces() throws {
        let feed = try FeedParser.parse(fixture("namespaces.xml"))
        let first = feed.items[0]
        #expect(first.link == "https://base.example/news/2026/story.html")
        #expect(first.author == "Ines Example")
        #expect(first.dateText == "2026-11-28T07:00:00Z")
        #expect(first.imageURL == "https://base.example/news/images/photo.jpg")
        #expect(first.summaryHTML == "A caption")
        let second = feed.items[1]
        #expect(second.link == "https://other.example/from-atom-link")
        #expect(second.imageURL == "https://cdn.example/thumb.jpg")
        #expect(second.summaryHTML == "Only a media description")
    }

    @Test("Atom 0.3: issued, modified, escaped content")
    func atom03() throws {
        let feed = try FeedParser.parse(fixture("atom03.xml"))
        #expect(feed.format == .atom03)
        #expect(feed.link == "https://old.example/")
        let entry = try #require(feed.items.first)
        #expect(entry.dateText == "2004-01-01T12:00:00Z")
        #expect(entry.updatedText == "2004-01-02T12:00:00Z")
        #expect(entry.contentHTML == "<p>Escaped <b>HTML</b></p>")
    }

    @Test("JSON Feed 1.1: ids of any type, content_html sanitized later, content_text escaped, tags")
    func jsonFeed() throws {
        let feed = try FeedParser.parse(fixture("feed.json"))
        #expect(feed.format == .jsonFeed)
        #expect(feed.items.map(\.guid) == ["1", "2"])
        #expect(feed.items[0].author == "Jo")
        #expect(feed.items[0].categories == ["Economy"])
        #expect(feed.items[1].contentHTML == "Plain &lt;text&gt; only")
        let items = ArticleNormalizer().items(from: feed, feedURL: "https://json.example/feed.json", fetchedAt: Date())
            .items
        #expect(items[0].title == "First <JSON> item")
        #expect(items[0].contentHTML == "<p>Hello world</p>")
        #expect(items[0].topics.contains(Topic("economy")!))
        #expect(items[1].text == "Plain <text> only")
    }

    @Test("JSON that is not a JSON Feed is refused with a clear message")
    func notJSONFeed() {
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(#"{"items": []}"#.utf8)) }
        #expect(error?.message.contains("not a JSON Feed") == true)
        let broken = #expect(throws: FeedParseError.self) {
            try FeedParser.parse(Data(#"{"version": "https://jsonfeed.org/version/1.1", "items": [1,, 2]}"#.utf8))
        }
        #expect(broken?.line == 1)
        #expect(broken?.message.contains("unexpected \",\" where a value should be, column 61") == true, "\(broken!)")
    }

    @Test("JSON nested 100,000 deep is refused with a clear message, not a stack overflow")
    func deeplyNestedJSON() {
        let depth = 100_000
        let text =
            #"{"version": "https://jsonfeed.org/version/1.1", "items": "#
            + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(text.utf8)) }
        #expect(error?.message.contains("nested more than 512 deep") == true, "\(error?.message ?? "")")
    }

    @Test("control characters in a JSON Feed's strings do not reach the article")
    func jsonFeedControlCharacters() throws {
        let json = #"""
            {"version": "https://jsonfeed.org/version/1.1", "title": "Feed\u001b]0;x\u0007",
             "items": [{"id": "1", "title": "esc \u001b[31mred\u0000 nul \u0008 bs",
                        "content_text": "body \u001b[2J text", "authors": [{"name": "A\u001bB"}],
                        "tags": ["t\u0001ag", "\u0007"]}]}
            """#
        let feed = try FeedParser.parse(Data(json.utf8))
        let items = ArticleNormalizer().items(from: feed, feedURL: "https://json.example/feed.json", fetchedAt: Date())
        let item = try #require(items.items.first)
        #expect(item.title == "esc [31mred nul bs")
        #expect(item.author == "AB")
        #expect(item.categories == ["tag"])
        #expect(item.text == "body [2J text")
        #expect(HTMLText.plainTextLine(feed.title ?? "") == "Feed]0;x")
    }

    @Test("an author or category indented across lines in XML is one line, and the category still names a topic")
    func multiLineAuthorAndCategory() throws {
        let xml = """
            <rss version="2.0"><channel><title>T</title><item><title>Item</title><guid>g</guid>
            <author>
            \t\tJon Phillips,
            \t\t\tAlaina Yee
            </author>
            <category>US
              politics</category>
            </item></channel></rss>
            """
        let feed = try FeedParser.parse(Data(xml.utf8))
        let items = ArticleNormalizer().items(from: feed, feedURL: "https://x.example/feed", fetchedAt: Date())
        let item = try #require(items.items.first)
        #expect(item.author == "Jon Phillips, Alaina Yee")
        #expect(item.categories == ["US politics"])
        #expect(item.topics.contains(Topic("politics")!))
    }

    @Test("a web page given for a feed is refused with the feeds it names, as feed readers discover them")
    func webPage() {
        let page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>News</title>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
            <link rel="Alternate" type="application/atom+xml" href="https://news.example/atom.xml">
            <script>if (a < b && c) {}</script></head><body><p>Hi<br><img src=x></body></html>
            """
        let error = #expect(throws: FeedParseError.self) { try FeedParser.parse(Data(page.utf8)) }
        #expect(error?.message == "a web page, not a feed; it names feeds: /feed.xml https://news.example/atom.xml")
        let plain = #expect(throws: FeedParseError.self) {
            try FeedParser.parse(Data("<html><head><title>x</title></head><body/></html>".utf8))
        }
        #expect(plain?.message == "root element <html> is not RSS, Atom or JSON Feed")
    }

    @Test("a JSON Feed with invalid UTF-8 is read with U+FFFD in place of the bad bytes")
    func jsonFeedInvalidUTF8() throws {
        var bytes = Data(#"{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "bad "#.utf8)
        bytes.append(contentsOf: [0xC3, 0x28, 0xFF])
        bytes.append(contentsOf: Data(#" bytes", "content_text": "ok"}]}"#.utf8))
        let feed = try FeedParser.parse(bytes)
        #expect(feed.items.map(\.title) == ["bad \u{FFFD}(\u{FFFD} bytes"])
        #expect(feed.items.map(\.guid) == ["1"])
    }
}
