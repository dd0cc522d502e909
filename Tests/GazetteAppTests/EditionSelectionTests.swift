import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Logging
import TestSupport
import Testing

@testable import GazetteApp

/// Which stories an edition carries, across days, on a real SQLite store with a test clock;
/// editions are mailed to a real outbox and read back with Python's email package.
@Suite("Edition selection")
struct EditionSelectionTests {
    let folder: TemporaryDirectory
    let outbox: TemporaryDirectory
    var configuration: GazetteConfiguration
    let start = Date(timeIntervalSince1970: 1_795_860_000)  // 2026-11-28 08:40 UTC
    let germany = Country(code: "DE")!

    init() throws {
        folder = try TemporaryDirectory()
        outbox = try TemporaryDirectory()
        configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.outboxDirectory = outbox.url.path
    }

    func open(at date: Date, _ configure: (inout GazetteConfiguration) -> Void = { _ in }) async throws -> Gazette {
        var configuration = configuration
        configure(&configuration)
        return try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { date }
        )
    }

    /// A German article first seen at `seen`; distinct words per `name` keep stories apart.
    func article(_ name: String, seen: Date, text: String? = nil) -> Article {
        Article(
            sourceID: "rundschau",
            guid: name,
            url: "https://rundschau.example/\(name)",
            title: "\(name.capitalized): \(name)",
            text: text ?? Array(repeating: name, count: 8).joined(separator: " ") + ".",
            publishedAt: seen.addingTimeInterval(-600),
            fetchedAt: seen,
            country: germany,
            language: "de"
        )
    }

    func subscribe(_ gazette: Gazette) async throws -> SubscriberRecord {
        try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(countries: [germany]),
            status: .active,
            now: start
        )
    }

    func leadTitles(_ gazette: Gazette) async throws -> [String] {
        try await gazette.previewDigest(for: EmailAddress("reader@example.org")!).content.sections
            .flatMap(\.articles).map(\.title)
    }

    @Test("a first edition has the stories first seen in the last day, ranked, at most digest.maxStories")
    func firstEdition() async throws {
        let gazette = try await open(at: start) { $0.digest.maxStories = 4 }
        _ = try await subscribe(gazette)
        let old = ["alpha", "bravo"].map { article($0, seen: start.addingTimeInterval(-30 * 3_600)) }
        let names = ["charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
        let fresh = names.map { article($0, seen: start.addingTimeInterval(-3_600)) }
        _ = try await gazette.store.saveArticles(old + fresh)
        let titles = try await leadTitles(gazette)
        #expect(titles.count == 4, "digest.maxStories caps the edition: \(titles)")
        #expect(!titles.contains { $0.contains("alpha") || $0.contains("bravo") }, "seen 30 hours ago: not new")
    }

    @Test("the next edition has only what was first seen since the previous one; a story seen before is not news again")
    func nextEdition() async throws {
        let day1 = start
        let first = try await open(at: day1)
        _ = try await subscribe(first)
        let quake = article(
            "quake",
            seen: day1.addingTimeInterval(-3_600),
            text: "A strong earthquake struck Hokkaido on Friday, shaking buildings in Sapporo and cutting power."
        )
        _ = try await first.store.saveArticles([quake, article("budget", seen: day1.addingTimeInterval(-1_800))])
        try await first.updateStories()
        let sent = try await first.send(force: true, transport: OutboxTransport(directory: outbox.url))
        #expect(sent.map(\.articleCount) == [2])

        let day2 = day1.addingTimeInterval(86_400)
        let second = try await open(at: day2)
        var followUp = article(
            "quake-2",
            seen: day2.addingTimeInterval(-3_600),
            text: "A strong earthquake struck Hokkaido on Friday, shaking buildings in Sapporo and cutting power lines."
        )
        followUp.title = "Quake: quake"
        let between = article("harbour", seen: day1.addingTimeInterval(3_600))
        let before = article("tunnel", seen: day1.addingTimeInterval(-7_200))
        _ = try await second.store.saveArticles([followUp, between, before])
        try await second.updateStories()
        let titles = try await leadTitles(second)
        #expect(titles == ["Harbour: harbour"], "\(titles)")
    }

    @Test("an article whose fetch began before the previous edition but was stored after it is in the next one")
    func fetchStraddlingAnEdition() async throws {
        let day1 = start
        let first = try await open(at: day1)
        _ = try await subscribe(first)
        // Seen 10 s before the edition was made, and in it.
        _ = try await first.store.saveArticles([article("storm", seen: day1.addingTimeInterval(-10))])
        try await first.updateStories()
        let sent = try await first.send(force: true, transport: OutboxTransport(directory: outbox.url))
        #expect(sent.map(\.articleCount) == [1])
        // Stamped when its fetch began, 20 s before the edition; stored once the fetch ended, after it.
        let second = try await open(at: day1.addingTimeInterval(86_400))
        _ = try await second.store.saveArticles([article("ferry", seen: day1.addingTimeInterval(-20))])
        try await second.updateStories()
        let titles = try await leadTitles(second)
        #expect(titles == ["Ferry: ferry"], "not lost, and the storm not shown twice: \(titles)")
    }

    @Test("digests built with the store reads shared, as a send builds them, are the digests built alone")
    func sharedReads() async throws {
        let gazette = try await open(at: start)
        let france = Country(code: "FR")!
        let quake = "A strong earthquake struck Hokkaido on Friday, shaking buildings in Sapporo and cutting power."
        var articles = ["alpha", "bravo", "charlie"].map { article($0, seen: start.addingTimeInterval(-3_600)) }
        articles.append(article("quake", seen: start.addingTimeInterval(-3_000), text: quake))
        for (index, name) in ["delta", "quake-fr"].enumerated() {
            var french = article(name, seen: start.addingTimeInterval(-Double(index + 1) * 1_200))
            french.sourceID = "courrier"
            french.country = france
            if name == "quake-fr" { french.text = quake + " Les secours sont sur place." }
            articles.append(french)
        }
        articles[1].topics = [Topic("politics")!]
        _ = try await gazette.store.saveArticles(articles)
        try await gazette.updateStories()
        // One more, in no story yet (stories are formed after each ingest).
        _ = try await gazette.store.saveArticles([article("india", seen: start.addingTimeInterval(-600))])
        let choices: [(String, [Country], [Topic])] = [
            ("de", [germany], []), ("fr", [france], []), ("both", [germany, france], []),
            ("again", [germany, france], []), ("politics", [germany], [Topic("politics")!]),
        ]
        for (name, countries, topics) in choices {
            _ = try await gazette.store.subscribe(
                EmailAddress("\(name)@example.org")!,
                preferences: SubscriptionPreferences(countries: countries, topics: topics),
                status: .active,
                now: start
            )
        }
        let reads = SelectionReads()
        var shown = 0
        for record in try await gazette.store.activeSubscribers() {
            let shared = try await gazette.previewDigest(for: record, reads: reads)
            let alone = try await gazette.previewDigest(for: record)
            #expect(shared.articleIDs == alone.articleIDs, "\(record.subscriber.email)")
            #expect(shared.content.sections.map(\.articles) == alone.content.sections.map(\.articles))
            #expect(shared.message.text == alone.message.text)
            shown += shared.articleIDs.count
        }
        // The quake is one story in both countries: the French reader gets it with its German take.
        let french = try await gazette.previewDigest(
            for: try #require(await gazette.store.subscriber(EmailAddress("fr@example.org")!)),
            reads: reads
        )
        #expect(french.content.sections.flatMap(\.articles).contains { $0.takes.count == 1 })
        #expect(shown > 10, "the digests are not empty: \(shown) articles shown")
        let german = try #require(await gazette.store.subscriber(EmailAddress("de@example.org")!))
        let titles = { (digest: PreparedDigest) in digest.content.sections.flatMap(\.articles).map(\.title) }
        #expect(titles(try await gazette.previewDigest(for: german, reads: reads)).contains("India: india"))

        // A story formed anew after the reader's articles were read: the article read then
        // still has its story (the members as stored now, plus it).
        let stored = try await gazette.store.articles(
            matching: ArticleQuery(since: start.addingTimeInterval(-86_400), until: start, limit: 100)
        )
        let alpha = try #require(stored.first { $0.guid == "alpha" })
        try await gazette.store.assignStories([try #require(alpha.id): "s-regrouped"])
        for shared in [SelectionReads(), nil] {
            let stories = try await gazette.stories(of: [alpha], reads: shared)
            #expect(stories.map(\.id) == [try #require(alpha.storyID)])
            #expect(stories.first?.articles.map(\.id) == [alpha.id])
        }
    }

    @Test("nothing new: no edition at all; with digest.sendEmptyEditions, a short 'nothing new' edition")
    func nothingNew() async throws {
        let quiet = try await open(at: start)
        _ = try await subscribe(quiet)
        let reports = try await quiet.send(force: true, transport: OutboxTransport(directory: outbox.url))
        #expect(reports.map(\.outcome) == [.noNews])
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.url.path).isEmpty)

        let chatty = try await open(at: start) { $0.digest.sendEmptyEditions = true }
        let sent = try await chatty.send(force: true, transport: OutboxTransport(directory: outbox.url))
        guard case .attempted(.delivered, _, _) = sent.first?.outcome else {
            Issue.record("expected an empty edition to be delivered, got \(sent)")
            return
        }
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: outbox.url.path).first)
        let mail = try Peers.json(Peers.runScript("check_email.py", [outbox.file(file).path]))
        let parts = try #require(mail["parts"] as? [[String: Any]])
        #expect((parts.first?["text"] as? String)?.contains("Nothing new since your last edition") == true)
    }

    @Test("the edition's key names its archive page; the stored edition is exactly what was mailed")
    func storedEditionIsTheEmail() async throws {
        let gazette = try await open(at: start)
        let record = try await subscribe(gazette)
        _ = try await gazette.store.saveArticles([article("kilo", seen: start.addingTimeInterval(-60))])
        _ = try await gazette.send(force: true, transport: OutboxTransport(directory: outbox.url))
        let edition = try #require(
            try await gazette.store.editions(subscriptionID: record.subscription.id!, limit: 5).first
        )
        #expect(
            edition.key
                == Edition.key(
                    subscriptionID: record.subscription.id!,
                    period: edition.period,
                    token: record.subscriber.token
                )
        )
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: outbox.url.path).first)
        let mail = try Peers.json(Peers.runScript("check_email.py", [outbox.file(file).path]))
        let parts = try #require(mail["parts"] as? [[String: Any]])
        // On the wire every line ends in CRLF; the templates' own line ends are LF.
        let mailed = parts.map { ($0["text"] as? String ?? "").replacingOccurrences(of: "\r\n", with: "\n") }
        #expect(mailed.first == edition.text)
        #expect(mailed.last == edition.html)
        #expect(edition.html?.contains("/archive/\(edition.key)") == true, "the HTML part links to its archive page")
        #expect(edition.text.contains("/manage/\(gazette.token(for: record.subscriber, action: .manage))"))
    }
}
