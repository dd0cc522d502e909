import Foundation
import GazetteCore
import TestSupport
import Testing

@testable import GazetteIngest

@Suite("Article normalizer")
struct ArticleNormalizerTests {
    let source = Source(
        id: "fixture",
        name: "Fixture",
        country: Country(code: "FR")!,
        language: "fr",
        feeds: ["https://fixture.example/feed.xml"],
        topics: [Topic("economy")!]
    )
    let fetchedAt = Date(timeIntervalSince1970: 1_795_900_000)

    func articles() throws -> [Article] {
        let feed = try FeedParser.parse(fixture("rss2.xml"))
        return ArticleNormalizer().articles(
            from: feed,
            source: source,
            feedURL: "https://fixture.example/feed.xml",
            fetchedAt: fetchedAt
        ).articles
    }

    @Test("content becomes plain text without script; the source's country, language and topics carry over")
    func text() throws {
        let first = try articles()[0]
        #expect(first.text == "Full body, first paragraph.\nSecond paragraph été.")
        #expect(first.title == "First & foremost")
        #expect(first.country.code == "FR")
        #expect(first.language == "fr")
        #expect(first.topics == [Topic("economy")!, Topic("politics")!], "the source's, and the feed's category")
        #expect(first.publishedAt == Date(timeIntervalSince1970: 1_795_853_700))
    }

    @Test("identity: guid, else the absolute link, else a content hash that is stable")
    func identity() throws {
        let all = try articles()
        #expect(all[0].guid == "fixture-1")
        #expect(all[1].guid == "https://fixture.example/a/2")
        #expect(all[1].url == "https://fixture.example/a/2")
        #expect(all[2].guid.hasPrefix("hash:"))
        #expect(try articles()[2].guid == all[2].guid)
    }

    @Test("items with no guid that share one link are told apart by their titles; a unique link stays the identity")
    func sharedLinks() {
        let live = "https://f.example/live"
        let feed = ParsedFeed(
            format: .rss2,
            title: nil,
            items: [
                FeedItem(link: live, title: "Polls close"), FeedItem(link: live, title: "First results"),
                FeedItem(link: "https://f.example/a/1", title: "Elsewhere"),
                FeedItem(guid: "g", link: live, title: "With a guid of its own"),
            ]
        )
        let items = ArticleNormalizer().items(from: feed, feedURL: "https://f.example/", fetchedAt: fetchedAt).items
        #expect(Set(items.map(\.guid)).count == 4, "four articles, not three")
        #expect(items[0].guid.hasPrefix(live + "#") && items[1].guid.hasPrefix(live + "#"))
        #expect(items[2].guid == "https://f.example/a/1")
        #expect(items[3].guid == "g")
        #expect(items.map(\.url) == [live, live, "https://f.example/a/1", live])
        // The same item, the same identity, fetch after fetch.
        let again = ArticleNormalizer().items(from: feed, feedURL: "https://f.example/", fetchedAt: fetchedAt).items
        #expect(again.map(\.guid) == items.map(\.guid))
    }

    @Test("javascript: links are dropped and far-future dates fall back to the fetch time")
    func hostile() throws {
        let dangerous = try articles()[3]
        #expect(dangerous.url == nil)
        #expect(dangerous.publishedAt == fetchedAt)
        #expect(try articles()[2].publishedAt == fetchedAt, "an item without a date gets the fetch time")
    }

    @Test("an item with no title, text, link or id is skipped and reported; one with only an id is titled by it")
    func empty() {
        let feed = ParsedFeed(
            format: .rss2,
            title: nil,
            items: [FeedItem(author: "a"), FeedItem(guid: "x"), FeedItem(title: "ok")]
        )
        let result = ArticleNormalizer().articles(
            from: feed,
            source: source,
            feedURL: "https://f.example/",
            fetchedAt: fetchedAt
        )
        #expect(result.articles.map(\.title) == ["x", "ok"])
        #expect(result.skipped == ["item 1: no title, text, link or id"])
    }

    @Test("links come out exactly as URL parsing writes them, also where parsing is skipped for plain links")
    func linksAgreeWithURL() {
        let feedURL = "https://fixture.example/news/feed.xml"
        for link in SanitizerTests.linkSpellings {
            let feed = ParsedFeed(format: .rss2, title: nil, items: [FeedItem(guid: "g", link: link, title: "t")])
            let item = ArticleNormalizer().items(from: feed, feedURL: feedURL, fetchedAt: fetchedAt).items.first
            let url = URL(string: link, relativeTo: URL(string: feedURL))?.absoluteURL
            let isWeb = ["http", "https"].contains(url?.scheme?.lowercased() ?? "") && url?.host != nil
            #expect(item?.url == (isWeb ? url?.absoluteString : nil), "\(link)")
        }
    }

    @Test("a link is plain when every byte after its host is one RFC 3986 allows unescaped")
    func plainLinkBytes() {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#@!$&'()*+,;=".utf8)
        for byte in UInt8(0)..<0x80 {
            let link = "https://example.org/a" + String(Character(Unicode.Scalar(byte))) + "b"
            #expect(WebLink.isPlainAbsolute(link) == allowed.contains(byte), "byte \(byte)")
            // At every offset of a longer path, which is read eight bytes at a time (`g` after it:
            // not a hex digit, so `%` starts no escape there either).
            for offset in 0...17 {
                let path = String(repeating: "a", count: offset) + String(Character(Unicode.Scalar(byte)))
                let long = "https://example.org/" + path + String(repeating: "g", count: 17 - offset)
                #expect(WebLink.isPlainAbsolute(long) == allowed.contains(byte), "byte \(byte) at \(offset)")
            }
        }
        #expect(!WebLink.isPlainAbsolute("https://example.org/é"))
    }

    @Test("the lead is String.prefix(300), whatever the script and wherever a mark or CR LF falls")
    func leadIsThePrefix() {
        // Text of the fast path (one character a scalar), then what extends or joins a character.
        let bases = ["a", "é", "ñ", " ", "\n", "ʼ", "Ω", "я", "’", "—", "\u{2028}", "\u{207F}"]
        let pieces =
            bases + [
                "\u{2FF}", "\u{300}", "\r\n", "न्", "中", "😀", "🇫🇷", "\u{200C}", "\u{200D}", "\u{483}",
                "\u{20DD}", "👩\u{200D}💻", "\u{FE0F}",
            ]
        var random = SplitMix(seed: 11)
        for _ in 0..<4_000 {
            // Mostly one kind of text, with a piece of another near the 300th character.
            let base = bases.randomElement(using: &random)!
            var text = String(repeating: base, count: Int.random(in: 250...320, using: &random))
            if Bool.random(using: &random) {
                let offset = Int.random(in: 0...text.count, using: &random)
                text.insert(
                    contentsOf: pieces.randomElement(using: &random)!,
                    at: text.index(text.startIndex, offsetBy: offset)
                )
            }
            text += String(repeating: base, count: Int.random(in: 0...3, using: &random))
            #expect(ArticleNormalizer.lead(of: text) == text.prefix(300), "\(Array(text.unicodeScalars.suffix(30)))")
        }
    }

    @Test("the topic lead is 300 characters, also where a character is several scalars")
    func leadCountsCharacters() {
        let text = String(repeating: "e\u{301}", count: 150) + " election vote " + String(repeating: "z", count: 400)
        let feed = ParsedFeed(format: .rss2, title: nil, items: [FeedItem(guid: "g", title: "x", summaryHTML: text)])
        let item = ArticleNormalizer().items(from: feed, feedURL: "https://fixture.example/", fetchedAt: fetchedAt)
            .items.first
        #expect(item?.topics.contains(Topic("politics")!) == true, "two keywords within the first 300 characters")
        let late = String(repeating: "a ", count: 150) + "election vote"
        let lateFeed = ParsedFeed(
            format: .rss2,
            title: nil,
            items: [FeedItem(guid: "g", title: "x", summaryHTML: late)]
        )
        #expect(
            ArticleNormalizer().items(from: lateFeed, feedURL: "https://fixture.example/", fetchedAt: fetchedAt)
                .items.first?.topics.contains(Topic("politics")!) == false,
            "keywords after the first 300 characters do not count"
        )
    }
}
