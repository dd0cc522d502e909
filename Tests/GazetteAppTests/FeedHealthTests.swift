import Foundation
import GazetteApp
import GazetteCore
import GazetteIngest
import GazetteStore
import Logging
import TestSupport
import Testing

@Suite("Feed health: backoff, disabling, manual retry")
struct FeedHealthTests {
    @Test("backoff doubles from 15 minutes, is capped at a day, and honours Retry-After within the cap")
    func policy() {
        let policy = FeedHealthPolicy()
        let now = Date(timeIntervalSince1970: 0)
        #expect(policy.nextAttempt(afterFailures: 1, at: now) == now + 900)
        #expect(policy.nextAttempt(afterFailures: 3, at: now) == now + 3_600)
        #expect(policy.nextAttempt(afterFailures: 20, at: now) == now + 86_400)
        #expect(policy.nextAttempt(afterFailures: 1, at: now, retryAfter: now + 7_200) == now + 7_200)
        #expect(policy.nextAttempt(afterFailures: 1, at: now, retryAfter: now + 10_000_000) == now + 86_400)
        #expect(!policy.isDisabled(afterFailures: 9))
        #expect(policy.isDisabled(afterFailures: 10))
    }

    @Test("Retry-After takes seconds or an HTTP date")
    func retryAfterHeader() {
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(RetryAfter.date(from: "120", now: now) == now + 120)
        #expect(RetryAfter.date(from: "Thu, 01 Jan 1970 01:00:00 GMT", now: now) == Date(timeIntervalSince1970: 3_600))
        #expect(RetryAfter.date(from: "soon", now: now) == nil)
        #expect(RetryAfter.date(from: nil, now: now) == nil)
    }

    @Test("a failing feed backs off, is disabled after N failures, and a successful manual retry restores it")
    func lifecycle() async throws {
        let folder = try TemporaryDirectory()
        let feed = folder.file("feed.rss")
        try Data("not a feed".utf8).write(to: feed)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_900_000))
        let configuration = GazetteConfiguration(
            sources: [
                Source(id: "s", name: "S", country: Country(code: "DE")!, language: "de", feeds: [feed.absoluteString])
            ],
            database: .init(path: folder.file("gazette.sqlite").path),
            delivery: .init(from: MailboxName(parsing: "a@b.org")!),
            site: .init(baseURL: URL(string: "https://news.example.org")!),
            ingest: .init(allowFileURLs: true, disableAfterFailures: 3)
        )
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { clock.now }
        )
        func outcome() async throws -> FeedReport.Outcome { try await gazette.ingest()[0].outcome }

        guard case .failed = try await outcome() else { throw PeerError("first fetch should fail") }
        guard case .skipped(let reason) = try await outcome() else { throw PeerError("should back off") }
        #expect(reason.contains("backing off until"))
        clock.advance(by: 901)
        guard case .failed = try await outcome() else { throw PeerError("due again after 15 minutes") }
        clock.advance(by: 1_801)
        guard case .failed = try await outcome() else { throw PeerError("due again after 30 minutes") }
        clock.advance(by: 100_000)
        guard case .skipped(let disabled) = try await outcome() else { throw PeerError("should be disabled") }
        #expect(disabled.contains("disabled after 3 failures"))
        #expect(try await gazette.feedStatuses()[0].health == .disabled(failures: 3))

        try FileManager.default.removeItem(at: feed)
        try FileManager.default.copyItem(
            at: Paths.samples.appendingPathComponent("feeds/northern-ledger.rss"),
            to: feed
        )
        guard case .stored(let new, _, _, _) = try await gazette.ingest(retry: true)[0].outcome else {
            throw PeerError("the manual retry should succeed")
        }
        #expect(new == 3)
        #expect(try await gazette.feedStatuses()[0].health == .ok)
        guard case .stored(let again, _, _, _) = try await outcome() else {
            throw PeerError("a restored feed is fetched on the normal schedule")
        }
        #expect(again == 0)
    }
}
