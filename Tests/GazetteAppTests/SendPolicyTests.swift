import Curl
import Foundation
import GazetteCore
import GazetteMail
import GazetteStore
import Logging
import TestSupport
import Testing

@testable import GazetteApp

/// What `send` does across runs, against a real SMTP server (aiosmtpd on 127.0.0.1).
@Suite("Send policy")
struct SendPolicyTests {
    let folder: TemporaryDirectory
    let mailbox: TemporaryDirectory
    let server: PeerServer
    let gazette: Gazette

    init() async throws {
        folder = try TemporaryDirectory()
        mailbox = try TemporaryDirectory()
        server = try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path])
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { Date(timeIntervalSince1970: 1_795_900_000) }
        )
        _ = try await gazette.ingest()
    }

    var smtp: SMTPTransport {
        SMTPTransport(server: SMTPServer(url: URL(string: "smtp://127.0.0.1:\(server.port)")!, timeoutSeconds: 20))
    }

    func subscribe(_ email: String) async throws {
        _ = try await gazette.store.subscribe(
            EmailAddress(email)!,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
            status: .active,
            now: Date(timeIntervalSince1970: 1_795_900_000)
        )
    }

    @Test("a permanent refusal (550) is recorded and not retried in the same period")
    func permanentRefusal() async throws {
        try await subscribe("reject@example.org")
        let first = try await gazette.send(force: true, transport: smtp)
        #expect(first.map(\.outcome) == [.attempted(.failed, replyCode: 550, detail: "550 5.1.1 mailbox unavailable")])
        let second = try await gazette.send(force: true, transport: smtp)
        #expect(second.map(\.outcome) == [.failedBefore("550 5.1.1 mailbox unavailable")])
    }

    @Test("a temporary refusal (451) waits for its next attempt, then is retried")
    func temporaryRefusal() async throws {
        try await subscribe("later@example.org")
        let deferred: [SendReport.Outcome] = [
            .attempted(.deferred, replyCode: 451, detail: "451 4.3.0 try again later")
        ]
        #expect(try await gazette.send(force: true, transport: smtp).map(\.outcome) == deferred)
        let retryAt = Date(timeIntervalSince1970: 1_795_900_000 + 300)
        #expect(try await gazette.send(force: true, transport: smtp).map(\.outcome) == [.waiting(until: retryAt)])
        let later = gazette.with(now: { retryAt })
        #expect(try await later.send(force: true, transport: smtp).map(\.outcome) == deferred)
    }

    @Test("re-subscribing after a delivery does not send the period's digest again")
    func resubscribe() async throws {
        try await subscribe("reader@example.org")
        let first = try await gazette.send(force: true, transport: smtp)
        guard case .attempted(.delivered, 250, _) = first.first?.outcome else {
            Issue.record("expected a delivery, got \(first)")
            return
        }
        try await subscribe("reader@example.org")
        #expect(try await gazette.send(force: true, transport: smtp).map(\.outcome) == [.alreadySent])
        #expect(FileManager.default.fileExists(atPath: mailbox.file("1.eml").path))
        #expect(!FileManager.default.fileExists(atPath: mailbox.file("2.eml").path))
    }

    @Test("a second send while one runs is refused instead of delivering twice")
    func overlappingRuns() async throws {
        try await subscribe("reader@example.org")
        let held = try #require(try ProcessLock(path: gazette.configuration.database.path + ".send.lock"))
        let error = await #expect(throws: GazetteError.self) { try await gazette.send(force: true, transport: smtp) }
        #expect(error?.description.contains("another `gazette send` is running") == true)
        withExtendedLifetime(held) {}
        #expect(!FileManager.default.fileExists(atPath: mailbox.file("1.eml").path))
    }

    @Test("a reader who unsubscribes while a long send runs gets nothing from its later batches")
    func unsubscribeDuringSend() async throws {
        // One connection leases 8, 16, 32, then 64 editions, the first three before the first
        // message goes out (32 wait in its queue): the last reader's is in the fourth batch.
        for index in 0..<64 { try await subscribe("reader\(String(format: "%02d", index))@example.org") }
        let leaving = EmailAddress("reader63@example.org")!
        let transport = HookedTransport(inner: smtp) { [store = gazette.store] sending in
            if sending == 1 { _ = try await store.unsubscribe(leaving) }
        }
        let reports = try await gazette.send(force: true, transport: transport)
        let report = try #require(reports.first { $0.email == leaving })
        #expect(report.outcome == .failedBefore("not sent: unsubscribed"))
        let delivered = reports.filter { if case .attempted(.delivered, _, _) = $0.outcome { true } else { false } }
        #expect(delivered.count == 63)
        #expect(!delivered.contains { $0.email == leaving })
    }
}
