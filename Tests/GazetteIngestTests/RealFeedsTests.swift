import Foundation
import GazetteCore
import GazetteIngest
import TestSupport
import Testing

/// Real outlets' feeds from ../shared/data/real-feeds (absent in a user's clone: then skipped,
/// and Swift Testing lists them as skipped with this reason).
@Suite(
    "Real outlets' feeds",
    .enabled(if: Paths.hasSharedData, "needs ../shared/data/real-feeds, which only CI and developers have")
)
struct RealFeedsTests {
    static let folder = Paths.sharedData.appendingPathComponent("real-feeds")

    /// File name → (channel title, entry count) from the corpus README's table, which gives what
    /// feedparser returns for each file.
    static func expectations() throws -> [String: (title: String, items: Int)] {
        let readme = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        var result: [String: (String, Int)] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 5, let items = Int(cells[5]) else { continue }
            result[cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = (cells[2], items)
        }
        return result
    }

    @Test("every real feed parses, with the entry count and channel title feedparser finds")
    func everyFile() throws {
        let expected = try Self.expectations()
        #expect(expected.count >= 30)
        for (file, expectation) in expected.sorted(by: { $0.key < $1.key }) {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(file))
            let feed: ParsedFeed
            do {
                feed = try FeedParser.parse(data)
            } catch {
                Issue.record("\(file): \(error)")
                continue
            }
            #expect(feed.items.count == expectation.items, "\(file)")
            // The README escapes "|" in titles and keeps JSON's HTML entities; compare what it can.
            let title = HTMLText.plainTextLine(feed.title ?? "")
            let expectedTitle = HTMLText.plainTextLine(expectation.title.replacingOccurrences(of: "\\|", with: "|"))
            #expect(
                title.split(separator: " ") == expectedTitle.split(separator: " "),
                "\(file): decoded title \(title)"
            )
        }
    }

    @Test(
        "large real feeds normalize completely, with unique identities and plain-text titles",
        arguments: [
            "lanacion-ar-rss2.xml", "guardian-us-rss2.xml", "jornal-de-noticias-pt-rss2-iso8859-1.xml",
            "qq-news-cn-rss2-gb2312.xml", "uol-noticias-br-rss2-latin1-nodecl.xml", "daringfireball-jsonfeed10.json",
            "science-twis-rdf.xml",
        ]
    )
    func normalizes(file: String) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(file))
        let feed = try FeedParser.parse(data)
        let source = Source(id: "real", name: "Real", country: Country(code: "AR")!, language: "es", feeds: [])
        let result = ArticleNormalizer().articles(
            from: feed,
            source: source,
            feedURL: "https://example.org/feed",
            fetchedAt: Date()
        )
        #expect(result.articles.count == feed.items.count)
        #expect(
            result.articles.allSatisfy {
                !$0.title.isEmpty && !$0.title.contains("<") && !$0.title.contains("\u{FFFD}")
            }
        )
        #expect(Set(result.articles.map(\.guid)).count == result.articles.count, "identities are unique")
        let content = result.articles.compactMap(\.contentHTML).joined()
        #expect(!content.lowercased().contains("<script"))
        #expect(!content.lowercased().contains("javascript:"))
    }
}
