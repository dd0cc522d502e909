import Foundation
import GazetteCore
import GazetteRender
import TestSupport
import Testing

@Suite("Feed rendering")
struct FeedRenderTests {
    func content(_ format: String) -> FeedContent {
        FeedContent(
            title: "Gazette: Germany",
            description: "News from Germany",
            path: "feeds/country/de.\(format)",
            articles: RenderFixtures.articles,
            sourceNames: RenderFixtures.sourceNames,
            siteURL: URL(string: "https://news.example.org")!,
            generatedAt: RenderFixtures.now
        )
    }

    @Test("a story's entry id is its first stored article's, whichever article leads it now")
    func entryIDFollowsTheStory() {
        func entryID(lead: Article, takes: [Article]) -> String {
            FeedContent(
                title: "Gazette: Germany",
                description: "News from Germany",
                path: "feeds/country/de.atom",
                stories: [DigestContent.Story(lead: lead, takes: takes)],
                sourceNames: RenderFixtures.sourceNames,
                siteURL: URL(string: "https://news.example.org")!,
                generatedAt: RenderFixtures.now
            ).entries[0].id
        }
        let (first, second) = (RenderFixtures.articles[0], RenderFixtures.articles[1])
        #expect(first.id! < second.id!)
        let alone = entryID(lead: first, takes: [])
        #expect(entryID(lead: first, takes: [second]) == alone, "a take joining changes nothing")
        #expect(entryID(lead: second, takes: [first]) == alone, "nor another article leading it")
        #expect(entryID(lead: second, takes: []) != alone, "another story, another id")
    }

    @Test("RSS and Atom are accepted by feedparser without bozo, with every entry and hostile text intact")
    func feedparser() async throws {
        let renderer = try await RenderFixtures.renderer()
        let folder = try TemporaryDirectory()
        let rss = folder.file("de.rss")
        let atom = folder.file("de.atom")
        try Data(renderer.rss(content("rss")).utf8).write(to: rss)
        try Data(renderer.atom(content("atom")).utf8).write(to: atom)
        let result = try Peers.json(Peers.runScript("check_feeds.py", [rss.path, atom.path]))
        for (file, version) in [(rss.path, "rss20"), (atom.path, "atom10")] {
            let feed = try #require(result[file] as? [String: Any])
            #expect(feed["bozo"] as? Int == 0, "\(file): \(feed["exception"] ?? "")")
            #expect(feed["version"] as? String == version)
            #expect(feed["entries"] as? Int == 2)
            let titles = try #require(feed["titles"] as? [String])
            #expect(titles.first == "Zürich & <Genève>: \"talks\" résumé")
            #expect(titles.last == "Line break in a title")
        }
    }

    @Test("entry ids are stable and differ between articles")
    func stableIDs() {
        let first = content("atom").entries.map(\.id)
        #expect(first == content("atom").entries.map(\.id))
        #expect(Set(first).count == 2)
        #expect(first[0].hasPrefix("tag:news.example.org,2026:article/rundschau/"))
    }
}
