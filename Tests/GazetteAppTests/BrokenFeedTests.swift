import Foundation
import GazetteApp
import GazetteCore
import GazetteStore
import Logging
import TestSupport
import Testing

/// A feed whose server cuts the body short: libxml2 reads what it can in recovery mode, and
/// what Gazette already holds must not get worse for it.
@Suite("Ingest: a feed cut short")
struct BrokenFeedTests {
    @Test("a body cut mid-item adds nothing worse: stored articles keep their text, validators are not kept")
    func cutShort() async throws {
        let folder = try TemporaryDirectory()
        let web = try LoopbackHTTPServer()
        let sample = try String(
            contentsOf: Paths.samples.appendingPathComponent("feeds/northern-ledger.rss"),
            encoding: .utf8
        )
        let served = web.folder.file("ledger.rss")
        func serve(_ text: String, modified: TimeInterval) throws {
            try Data(text.utf8).write(to: served)
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: modified)],
                ofItemAtPath: served.path
            )
        }
        try serve(sample, modified: 1_795_000_000)
        let configuration = GazetteConfiguration(
            sources: [
                Source(
                    id: "ledger",
                    name: "The Northern Ledger",
                    country: Country(code: "GB")!,
                    language: "en",
                    feeds: [web.url("ledger.rss")]
                )
            ],
            database: .init(path: folder.file("gazette.sqlite").path),
            delivery: .init(from: MailboxName(parsing: "a@b.org")!),
            site: .init(baseURL: URL(string: "https://news.example.org")!)
        )
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { Date(timeIntervalSince1970: 1_795_900_000) }
        )
        func storm() async throws -> Article? {
            let query = ArticleQuery(since: .distantPast, until: .distantFuture, limit: 10)
            let articles: [Article] = try await gazette.store.articles(matching: query)
            return articles.first { $0.guid.hasSuffix("storm-bettina") }
        }
        let feedURL = web.url("ledger.rss")
        func lastModified() async throws -> String? {
            let state: FeedState? = try await gazette.store.feedState(url: feedURL)
            return state?.lastModified
        }

        _ = try await gazette.ingest(retry: true)
        let full = try #require(try await storm())
        #expect(full.text.hasSuffix("have been cancelled."))
        let validated = try #require(try await lastModified())

        // The same feed, cut in the middle of the storm's description, served as newer.
        let cut = String(sample[..<sample.range(of: "Highlands on Sunday.")!.upperBound])
        try serve(cut, modified: 1_795_100_000)
        guard case .stored(let new, let updated, _, _) = try await gazette.ingest(retry: true)[0].outcome else {
            throw PeerError("a body libxml2 can recover is stored, not failed")
        }
        #expect(new == 0 && updated == 0)
        #expect(try await storm()?.text == full.text, "the stored text is kept")
        #expect(try await lastModified() == validated, "the cut body's validators are not kept")

        // Whole again: fetched in full (no 304 for the cut body), and nothing to change.
        try serve(sample, modified: 1_795_200_000)
        guard case .stored = try await gazette.ingest(retry: true)[0].outcome else {
            throw PeerError("the whole feed is fetched again")
        }
        #expect(try await lastModified() != validated)
        #expect(try await storm()?.text == full.text)
    }
}
