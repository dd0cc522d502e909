import Foundation
import GazetteApp
import GazetteCore
import GazetteMail
import GazetteStore
import GazetteSummarize
import Logging
import TestSupport
import Testing

/// The whole pipeline on the bundled samples, with a real SQLite file, real feed files checked
/// by feedparser and real messages checked by Python's email package.
@Suite("Pipeline on the bundled samples")
struct PipelineTests {
    let folder: TemporaryDirectory
    let gazette: Gazette
    static let clock = Date(timeIntervalSince1970: 1_795_900_000)  // 2026-11-28T21:06:40Z

    init() async throws {
        folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.outboxDirectory = folder.file("outbox").path
        configuration.feeds.outputDirectory = folder.file("feeds").path
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { PipelineTests.clock }
        )
    }

    @Test("every sample feed is ingested; a second run stores nothing new")
    func ingest() async throws {
        let reports = try await gazette.ingest()
        #expect(reports.count == 7)
        #expect(reports.allSatisfy { !$0.isFailure })
        let count = try await gazette.store.articleCount()
        #expect(count == 22)
        let again = try await gazette.ingest()
        #expect(try await gazette.store.articleCount() == count)
        for report in again {
            guard case .stored(let new, let updated, _, _) = report.outcome else { continue }
            #expect(updated == 0)
            #expect(new == 0)
        }
    }

    @Test(
        "country, topic and country+topic feeds (RSS, Atom, JSON Feed): feedparser reads each with bozo 0, one entry per story; the OPML lists every Atom feed"
    )
    func feeds() async throws {
        _ = try await gazette.ingest()
        var files = try await gazette.writeFeeds(to: folder.file("feeds"))
        let opml = try #require(files.last)
        #expect(opml.lastPathComponent == "feeds.opml")
        files.removeLast()
        let outlines = try Peers.run(
            Peers.python,
            [
                "-c",
                "import sys, xml.dom.minidom as m; print(len(m.parse(sys.argv[1]).getElementsByTagName('outline')))",
                opml.path,
            ]
        )
        #expect(
            Int(outlines.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                == files.filter { $0.pathExtension == "atom" }.count
        )
        let countryFiles = files.filter { $0.deletingLastPathComponent().lastPathComponent == "country" }
        let topicFiles = files.filter { $0.deletingLastPathComponent().lastPathComponent == "topic" }
        let pairFiles = files.filter {
            $0.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent == "country"
        }
        #expect(pairFiles.map { $0.path.hasSuffix("/country/ke/climate.atom") }.contains(true))
        let countries = try await gazette.store.countriesWithArticles()
        #expect(countryFiles.count == countries.count * 3)
        #expect(countryFiles.map(\.lastPathComponent).contains("de.json"))
        #expect(countryFiles.map(\.lastPathComponent).contains("de.atom"))
        #expect(topicFiles.map(\.lastPathComponent).contains("climate.atom"))
        #expect(countryFiles.count + topicFiles.count + pairFiles.count == files.count)
        // feedparser 6.0.14 does not read JSON Feed (its development head does): JSON Feeds are checked
        // against the spec's required fields with Python's json module instead.
        let jsonFiles = files.filter { $0.pathExtension == "json" }
        let check = """
            import json, sys
            for path in sys.argv[1:]:
                feed = json.load(open(path))
                assert feed["version"] == "https://jsonfeed.org/version/1.1", path
                assert feed["title"] and all(item["id"] and (item.get("content_text") or item.get("content_html")) for item in feed["items"]), path
                print(len(feed["items"]))
            """
        let counts = try Peers.run(Peers.python, ["-c", check] + jsonFiles.map(\.path))
        #expect(counts.status == 0, "\(counts.stderr)")
        #expect(counts.stdout.split(separator: "\n").count == jsonFiles.count)
        files.removeAll { $0.pathExtension == "json" }
        let result = try Peers.json(Peers.runScript("check_feeds.py", files.map(\.path)))
        for file in files {
            let feed = try #require(result[file.path] as? [String: Any])
            let name = file.deletingPathExtension().lastPathComponent
            let folder = file.deletingLastPathComponent().lastPathComponent
            let query =
                topicFiles.contains(file)
                ? ArticleQuery(topics: [Topic(name)!], since: .distantPast, until: Self.clock, limit: 1_000)
                : pairFiles.contains(file)
                    ? ArticleQuery(
                        countries: [Country(code: folder)!],
                        topics: [Topic(name)!],
                        since: .distantPast,
                        until: Self.clock,
                        limit: 1_000
                    )
                    : ArticleQuery(
                        countries: [Country(code: name)!],
                        since: .distantPast,
                        until: Self.clock,
                        limit: 1_000
                    )
            let stored = try await gazette.store.articles(matching: query)
            #expect(feed["bozo"] as? Int == 0, "\(file.lastPathComponent): \(feed["exception"] ?? "")")
            // One entry per story: articles of one feed on the same story share an entry.
            let storyCount = Set(stored.map { $0.storyID ?? "a\($0.id!)" }).count
            #expect(feed["entries"] as? Int == storyCount, "\(file.lastPathComponent)")
            #expect(Set(feed["ids"] as? [String] ?? []).count == storyCount, "unique ids")
        }
    }

    @Test("send delivers a due digest once; a second send finds it already delivered")
    func sendOnce() async throws {
        _ = try await gazette.ingest()
        // Subscribed yesterday; due at 20:00 UTC, an hour before the clock.
        _ = try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(
                countries: [Country(code: "JP")!, Country(code: "KE")!],
                sendHour: 20
            ),
            status: .active,
            now: Self.clock.addingTimeInterval(-86_400)
        )
        let outbox = try gazette.makeTransport()
        let first = try await gazette.send(force: false, transport: outbox)
        #expect(first.count == 1)
        guard case .attempted(.delivered, _, let path) = first[0].outcome else {
            Issue.record("expected a delivery, got \(first[0].outcome)")
            return
        }
        // Four stories from Japan and Kenya, ten articles between them: the Nairobi deal as six
        // outlets in six countries told it, the Hokkaido quake as two, and two stories told once.
        #expect(first[0].articleCount == 10)
        let parsed = try Peers.json(Peers.runScript("check_email.py", [path]))
        #expect((parsed["defects"] as? [String]) == [])
        let text = try #require((parsed["parts"] as? [[String: Any]])?.first?["text"] as? String)
        #expect(text.contains("== Japan =="))
        #expect(text.contains("Magnitude 6.8 quake strikes off Hokkaido"))
        #expect(!text.contains("== Germany =="), "sections only for the subscribed countries")
        // The Nairobi story leads from Kenya, with other countries' outlets as alternative takes.
        let nairobi = try #require(text.range(of: "Nairobi talks end with a deal"))
        let takes = try #require(text.range(of: "Also covered by:", range: nairobi.upperBound..<text.endIndex))
        #expect(text[takes.upperBound...].contains("Rheinische Rundschau (Germany): Nairobi climate talks"))
        // Summary sentences cite the article they came from: [1] the lead, [2]… the takes; at
        // least one comes from another outlet than the lead's.
        let summary = String(text[nairobi.upperBound..<takes.lowerBound])
        let citations = summary.matches(of: /\[(\d+)\]/).compactMap { Int($0.output.1) }
        #expect(citations.count == 3, "three sentences, each cited: \(summary)")
        #expect(citations.allSatisfy { (1...6).contains($0) })
        #expect(citations.contains { $0 > 1 }, "a sentence from another outlet is cited")
        #expect(text[takes.upperBound...].contains("[2] "))
        #expect(text[takes.upperBound...].contains("[6] "))
        let second = try await gazette.send(force: true, transport: outbox)
        #expect(second.map(\.outcome) == [.alreadySent])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("outbox").path).count == 1)
    }

    @Test("ingest forms stories across outlets and countries, with cited summaries")
    func stories() async throws {
        _ = try await gazette.ingest()
        let articles = try await gazette.store.articles(
            matching: ArticleQuery(since: .distantPast, until: Self.clock, limit: 100)
        )
        let stories = try await gazette.stories(of: articles)
        let quake = try #require(stories.first { $0.articles.contains { $0.title.contains("Hokkaido") } })
        #expect(quake.countries == [Country(code: "GB")!, Country(code: "JP")!])
        #expect(quake.outlets == 2)
        let members = Set(quake.articles.compactMap(\.id).map(String.init))
        #expect(!quake.summary.isEmpty)
        #expect(quake.summary.allSatisfy { members.contains($0.source) }, "every sentence cites a member")
        let nairobi = try #require(stories.first { $0.articles.contains { $0.title.contains("Nairobi talks end") } })
        #expect(nairobi.countries.count >= 3)
        #expect(stories.count < articles.count, "some articles share a story")
        // Deterministic: forming the stories again gives the same ids.
        try await gazette.updateStories()
        let again = try await gazette.stories(of: articles)
        #expect(again.map(\.id) == stories.map(\.id))
    }

    @Test("a subscription is not due before its local send hour")
    func notDue() async throws {
        _ = try await gazette.ingest()
        // 21:06 UTC is 06:06 the next morning in Tokyo: before a 07:00 send hour.
        _ = try await gazette.store.subscribe(
            EmailAddress("early@example.org")!,
            preferences: SubscriptionPreferences(
                countries: [Country(code: "JP")!],
                sendHour: 7,
                timeZone: TimeZone(identifier: "Asia/Tokyo")!
            ),
            status: .active,
            now: Self.clock
        )
        let reports = try await gazette.send(transport: try gazette.makeTransport())
        #expect(reports.map(\.outcome) == [.notDue])
    }

    @Test("a subscriber with no news for the period gets no empty digest")
    func noNews() async throws {
        _ = try await gazette.store.subscribe(
            EmailAddress("quiet@example.org")!,
            preferences: SubscriptionPreferences(countries: [Country(code: "IS")!]),
            status: .active,
            now: Self.clock
        )
        let reports = try await gazette.send(force: true, transport: try gazette.makeTransport())
        #expect(reports.map(\.outcome) == [.noNews])
    }

    @Test("a feed that is not XML is reported; the other feeds go on and nothing stored is lost")
    func badFeed() async throws {
        _ = try await gazette.ingest()
        let before = try await gazette.store.articleCount()
        let page = folder.file("page.xml")
        try Data("<html><body><p>Service unavailable</p></body></html>".utf8).write(to: page)
        let truncated = folder.file("truncated.xml")
        try Data("Service Temporarily Unavailable".utf8).write(to: truncated)
        var configuration = gazette.configuration
        configuration.sources[0].feeds.append(page.absoluteString)
        configuration.sources.append(
            Source(
                id: "junk",
                name: "Junk",
                country: Country(code: "NL")!,
                language: "nl",
                feeds: [truncated.absoluteString]
            )
        )
        let broken = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { PipelineTests.clock }
        )
        let reports = try await broken.ingest()
        let failures = reports.filter(\.isFailure)
        #expect(failures.count == 2)
        #expect(reports.count - failures.count == 7)
        for (failure, url) in zip(failures, [page, truncated]) {
            guard case .failed(let message) = failure.outcome else { continue }
            #expect(message.hasPrefix("feed \(url.absoluteString): "))
        }
        #expect(try await broken.store.articleCount() == before)
        _ = try await broken.ingest(retry: true)
        let state = try #require(try await broken.store.feedState(url: page.absoluteString))
        #expect(state.consecutiveFailures == 2)
        #expect(state.lastError?.contains("not RSS, Atom or JSON Feed") == true)
    }

    @Test("the demo runs the main job end to end and delivers one digest")
    func demo() async throws {
        let report = try await gazette.runDemo()
        #expect(report.feedReports.allSatisfy { !$0.isFailure })
        #expect(report.articleCount == 22)
        let countryFeeds = report.feedFiles.filter { $0.deletingLastPathComponent().lastPathComponent == "country" }
        #expect(countryFeeds.count == 21, "7 countries × RSS, Atom and JSON Feed")
        #expect(report.feedFiles.contains { $0.path.contains("/s/") }, "the reader's private feed")
        #expect(report.feedFiles.contains { $0.path.hasSuffix("/topic/climate.atom") })
        #expect(report.sendReports.count == 1)
        #expect(report.sendReports.first?.articleCount ?? 0 >= 6)
    }
}
