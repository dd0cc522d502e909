import Foundation
import GazetteCore
import GazetteMail
import GazetteStore
import Logging
import TestSupport
import Testing

@testable import GazetteApp

/// A scheduler that was down when editions fell due: on a real SQLite file with a test clock,
/// editions delivered to a real outbox folder.
@Suite("Restarts and lateness")
struct RestartTests {
    let folder: TemporaryDirectory
    let gazette: Gazette
    /// 2026-11-28, the day of the newest sample articles.
    static let day = Date(timeIntervalSince1970: 1_795_824_000)  // 2026-11-28T00:00:00Z

    init() async throws {
        folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.outboxDirectory = folder.file("outbox").path
        configuration.digest.sendEmptyEditions = true
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { RestartTests.day.addingTimeInterval(20 * 3_600) }
        )
        _ = try await gazette.ingest()
        // Subscribed at noon the day before (after that day's edition), due at 07:00 UTC.
        _ = try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!], sendHour: 7),
            status: .active,
            now: Self.day.addingTimeInterval(-12 * 3_600)
        )
    }

    func send(atHour hour: Double) async throws -> [SendReport.Outcome] {
        let date = Self.day.addingTimeInterval(hour * 3_600)
        return try await gazette.with(now: { date }).send(transport: try gazette.makeTransport()).map(\.outcome)
    }

    @Test("down at 07:00, back at 11:00 (4 hours late): the edition is sent once")
    func lateButInTime() async throws {
        #expect(try await send(atHour: 6.5) == [.notDue])
        let late = try await send(atHour: 11)
        guard case .attempted(.delivered, _, _) = late.first else {
            Issue.record("expected a delivery, got \(late)")
            return
        }
        #expect(try await send(atHour: 11.5) == [.alreadySent])
    }

    @Test("back at 14:00 (7 hours late, past scheduling.latenessHours): skipped and recorded, then tomorrow as usual")
    func tooLate() async throws {
        let dueAt = Self.day.addingTimeInterval(7 * 3_600)
        #expect(try await send(atHour: 14) == [.skipped(dueAt: dueAt, recordedNow: true)])
        #expect(
            try await send(atHour: 15) == [.skipped(dueAt: dueAt, recordedNow: false)],
            "recorded, not decided again"
        )
        let ledger = try await gazette.store.ledger(editionID: nil, status: nil, since: nil, limit: 10)
        #expect(ledger.isEmpty, "nothing was queued for the skipped day")
        let tomorrow = try await send(atHour: 24 + 7.25)
        guard case .attempted(.delivered, _, _) = tomorrow.first else {
            Issue.record("expected the next day's delivery, got \(tomorrow)")
            return
        }
    }
}
