import Foundation
import GazetteCore
import GazetteMail
import GazetteStore
import Logging

/// Where the demo put everything.
public struct DemoReport: Sendable {
    public var databasePath: String
    public var feedReports: [FeedReport]
    public var articleCount: Int
    public var demoClock: Date
    public var subscriber: EmailAddress
    public var feedsDirectory: String
    public var feedFiles: [URL]
    public var sendReports: [SendReport]
    public var outboxDirectory: String
}

extension Gazette {
    /// The demo's reader.
    public static let demoReader = EmailAddress("reader@gazette.example")!

    /// The main job on the bundled samples: ingest them, subscribe a demo reader, write the
    /// country feeds and deliver the reader's digest into the outbox.
    ///
    /// The samples describe one fixed news day, so the demo sets its clock to one hour after the
    /// newest sample article: otherwise, from the day after, no sample would count as today's news.
    public func runDemo() async throws -> DemoReport {
        let feedReports = try await ingest()
        let newest = try await store.articles(
            matching: ArticleQuery(since: .distantPast, until: .distantFuture, limit: 1)
        ).first?.publishedAt
        guard let newest else { throw GazetteError("the sample feeds gave no articles") }
        let demoClock = newest.addingTimeInterval(3_600)
        let demo = with(now: { demoClock })
        // Stories are formed relative to the clock: form them again on the demo's.
        try await demo.updateStories()
        _ = try await demo.store.subscribe(
            Self.demoReader,
            preferences: SubscriptionPreferences(
                countries: [Country(code: "DE")!, Country(code: "FR")!, Country(code: "KE")!],
                sendHour: 7,
                timeZone: TimeZone(identifier: "Europe/Berlin")!
            ),
            status: .active,
            now: demoClock
        )
        let sendReports = try await demo.send(force: true, transport: try demo.makeTransport())
        // After sending, so that the reader's private feed carries the edition just mailed.
        let feedFiles = try await demo.writeFeeds(to: URL(fileURLWithPath: configuration.feeds.outputDirectory))
        return DemoReport(
            databasePath: configuration.database.path,
            feedReports: feedReports,
            articleCount: try await store.articleCount(),
            demoClock: demoClock,
            subscriber: Self.demoReader,
            feedsDirectory: configuration.feeds.outputDirectory,
            feedFiles: feedFiles,
            sendReports: sendReports,
            outboxDirectory: configuration.delivery.outboxDirectory
        )
    }
}
