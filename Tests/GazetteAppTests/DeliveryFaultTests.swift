import Curl
import Foundation
import GRDB
import GazetteCore
import GazetteMail
import Logging
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

@testable import GazetteApp
@testable import GazetteStore

/// The delivery ledger against real SMTP servers on 127.0.0.1 (aiosmtpd, scripted by the
/// recipient's local part and by options): after every fault, each edition is delivered or
/// accounted for, and the ledger says which.
@Suite("Delivery faults and the ledger")
struct DeliveryFaultTests {
    let folder: TemporaryDirectory
    let mailbox: TemporaryDirectory
    let gazette: Gazette
    static let start = Date(timeIntervalSince1970: 1_795_900_000)

    init() async throws {
        folder = try TemporaryDirectory()
        mailbox = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.retry = .init(initialDelaySeconds: 300, maxDelaySeconds: 3_600, deadlineHours: 1)
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { DeliveryFaultTests.start }
        )
        _ = try await gazette.ingest()
    }

    func at(_ seconds: TimeInterval) -> Gazette {
        gazette.with(now: { DeliveryFaultTests.start.addingTimeInterval(seconds) })
    }

    func subscribe(_ locals: [String]) async throws {
        for local in locals {
            _ = try await gazette.store.subscribe(
                EmailAddress("\(local)@example.org")!,
                preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
                status: .active,
                now: Self.start
            )
        }
    }

    func server(_ options: [String] = []) throws -> PeerServer {
        try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path] + options)
    }

    func smtp(_ server: PeerServer, connections: Int = 1, requireTLS: Bool? = nil, login: Bool = false) -> SMTPTransport
    {
        SMTPTransport(
            server: SMTPServer(
                url: URL(string: "smtp://127.0.0.1:\(server.port)")!,
                username: login ? "gazette" : nil,
                password: login ? "s3cret-password" : nil,
                timeoutSeconds: 20,
                requireTLS: requireTLS
            ),
            connections: connections
        )
    }

    /// Each recipient's newest edition in the ledger, by the address's local part.
    func ledger() async throws -> [String: Edition] {
        let editions = try await gazette.store.ledger(editionID: nil, status: nil, since: nil, limit: 1_000)
        return Dictionary(
            editions.map { (String($0.recipient.split(separator: "@")[0]), $0) },
            uniquingKeysWith: { newest, _ in newest }
        )
    }

    var received: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: mailbox.url.path)) ?? []).filter { $0.hasSuffix(".eml") }
            .count
    }

    @Test(
        "per-recipient faults: 550 and DATA 552/554 fail, 452 defers, a dropped connection defers; the others are delivered"
    )
    func recipientFaults() async throws {
        try await subscribe(["ok1", "reject", "full", "big", "spam", "drop", "ok2"])
        let sink = try server()
        _ = try await gazette.send(force: true, transport: smtp(sink))
        let entries = try await ledger()
        #expect(entries.count == 7)
        #expect(entries["ok1"]?.status == .delivered && entries["ok2"]?.status == .delivered)
        #expect(entries["reject"]?.status == .failed && entries["reject"]?.lastReplyCode == 550)
        #expect(entries["big"]?.status == .failed && entries["big"]?.lastReplyCode == 552)
        #expect(entries["spam"]?.status == .failed && entries["spam"]?.lastReplyCode == 554)
        #expect(entries["full"]?.status == .deferred && entries["full"]?.lastReplyCode == 452)
        #expect(entries["drop"]?.status == .deferred && entries["drop"]?.lastReplyCode == 0)
        #expect(entries["full"]?.nextAttemptAt == Self.start.addingTimeInterval(300))
        #expect(received == 2)
        let attempts = try await gazette.store.deliveries(editionID: try #require(entries["ok1"]?.id))
        #expect(attempts.count == 1 && attempts[0].queueID != nil, "the 250 reply's queue id is kept")
    }

    @Test("a 451 is retried on Postfix's schedule and delivered; deferrals end at the deadline")
    func retries() async throws {
        try await subscribe(["flaky", "later"])
        let sink = try server()
        _ = try await gazette.send(force: true, transport: smtp(sink))
        let waiting = try await at(100).send(force: true, transport: smtp(sink))
        #expect(waiting.allSatisfy { if case .waiting = $0.outcome { true } else { false } }, "\(waiting)")
        _ = try await at(301).send(force: true, transport: smtp(sink))
        var entries = try await ledger()
        #expect(entries["flaky"]?.status == .delivered && entries["flaky"]?.attempts == 2)
        #expect(received == 1)
        // later@: attempts at 0, 301 (+600), 901 (+1200), 2101 (+2400 would pass the 1-hour deadline).
        #expect(entries["later"]?.nextAttemptAt == Self.start.addingTimeInterval(301 + 600))
        _ = try await at(901).send(force: true, transport: smtp(sink))
        _ = try await at(2_101).send(force: true, transport: smtp(sink))
        entries = try await ledger()
        #expect(entries["later"]?.status == .failed && entries["later"]?.attempts == 4)
        #expect(entries["later"]?.lastReplyText?.contains("gave up after 4 attempts") == true)
        let attempts = try await gazette.store.deliveries(editionID: try #require(entries["later"]?.id))
        #expect(attempts.map(\.replyCode) == [451, 451, 451, 451])
        // `gazette resend --failed` two hours later: the deadline counts from the resend, so a
        // temporary refusal defers it again instead of failing it at once.
        let resendAt = Self.start.addingTimeInterval(7_200)
        #expect(try await gazette.store.requeueFailed(since: nil, now: resendAt) == 1)
        _ = try await at(7_200).send(force: true, transport: smtp(sink))
        entries = try await ledger()
        #expect(entries["later"]?.status == .deferred, "\(entries["later"]?.lastReplyText ?? "")")
    }

    @Test("421 at the greeting: that message is deferred and the rest wait untried; refused connections defer all")
    func serverUnavailable() async throws {
        try await subscribe(["a", "b", "c"])
        let busy = try server(["--greeting-421"])
        let reports = try await gazette.send(force: true, transport: smtp(busy))
        var entries = try await ledger()
        #expect(entries["a"]?.status == .deferred && entries["a"]?.lastReplyCode == 421)
        #expect(entries["b"]?.status == .queued && entries["b"]?.attempts == 0, "not burnt on a server that said no")
        #expect(entries["c"]?.status == .queued && entries["c"]?.attempts == 0)
        #expect(reports.filter { if case .postponed = $0.outcome { true } else { false } }.count == 2)

        // Nothing listens on a port that was just closed.
        let socket = try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path])
        let closedPort = socket.port
        _ = consume socket
        let nobody = SMTPTransport(
            server: SMTPServer(url: URL(string: "smtp://127.0.0.1:\(closedPort)")!, timeoutSeconds: 5)
        )
        _ = try await at(3_000).send(force: true, transport: nobody)
        entries = try await ledger()
        for name in ["a", "b", "c"] {
            #expect(entries[name]?.status == .deferred, "\(name)")
            #expect(entries[name]?.lastReplyCode == 0, "\(name): no reply at all")
        }
        #expect(received == 0)
    }

    @Test("451 4.7.1 (slow down) defers that message; the rest of that domain waits untried, other domains go on")
    func throttling() async throws {
        try await subscribe(["throttle", "x"])
        _ = try await gazette.store.subscribe(
            EmailAddress("y@example.net")!,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
            status: .active,
            now: Self.start
        )
        let sink = try server()
        let reports = try await gazette.send(force: true, transport: smtp(sink))
        let entries = try await ledger()
        let throttled = try #require(entries["throttle"])
        #expect(throttled.status == .deferred && throttled.lastReplyCode == 451)
        #expect(entries["x"]?.status == .deferred && entries["x"]?.attempts == 0, "same domain: untried, not failed")
        #expect(entries["x"]?.nextAttemptAt == Self.start.addingTimeInterval(300))
        #expect(entries["y"]?.status == .delivered, "another domain goes on")
        #expect(reports.contains { if case .postponed = $0.outcome { true } else { false } })
        #expect(received == 1)
    }

    @Test("a server that never answers costs one reply timeout: deferred with no reply, nothing lost")
    func silentServer() async throws {
        try await subscribe(["a"])
        let silent = try server(["--silent"])
        let transport = SMTPTransport(
            server: SMTPServer(url: URL(string: "smtp://127.0.0.1:\(silent.port)")!, timeoutSeconds: 2)
        )
        _ = try await gazette.send(force: true, transport: transport)
        let entry = try #require(try await ledger()["a"])
        #expect(entry.status == .deferred && entry.lastReplyCode == 0)
        #expect(entry.lastReplyText?.contains("timed out") == true, "\(entry.lastReplyText ?? "")")
    }

    @Test("TLS required but not offered, or a refused login, stops the run with a clear error and sends nothing")
    func stopTheRun() async throws {
        try await subscribe(["a", "b"])
        let plain = try server()
        let tls = await #expect(throws: GazetteError.self) {
            try await gazette.send(force: true, transport: smtp(plain, requireTLS: true))
        }
        #expect(tls?.description.contains("delivery stopped") == true, "\(tls?.description ?? "")")
        var entries = try await ledger()
        #expect(entries["a"]?.status == .deferred && entries["a"]?.nextAttemptAt == Self.start, "due again at once")
        #expect(entries["b"]?.status == .queued && entries["b"]?.attempts == 0)
        #expect(received == 0)

        // A login goes over TLS only: STARTTLS with a certificate the client trusts, then AUTH 535.
        let certificate = folder.file("sink.pem").path
        let key = folder.file("sink.key").path
        let made = try Peers.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ]
        )
        #expect(made.status == 0, "\(made.stderr)")
        let guarded = try server(["--auth", "--tls", certificate, key])
        let loginTransport = SMTPTransport(
            server: SMTPServer(
                url: URL(string: "smtp://127.0.0.1:\(guarded.port)")!,
                username: "gazette",
                password: "s3cret-password",
                timeoutSeconds: 20,
                caFile: certificate
            )
        )
        let login = await #expect(throws: GazetteError.self) {
            try await gazette.send(force: true, transport: loginTransport)
        }
        let message = login?.description ?? ""
        #expect(message.contains("delivery stopped") && message.contains("535"), "\(message)")
        #expect(!message.contains("s3cret-password"), "the password never appears")
        entries = try await ledger()
        #expect(entries.values.allSatisfy { $0.status != .delivered && $0.status != .failed })
        #expect(received == 0)
    }

    @Test("four connections deliver everything; a server closing each connection after 2 messages costs nothing")
    func connections() async throws {
        let names = (1...8).map { "reader\($0)" }
        try await subscribe(names)
        let sink = try server(["--close-after", "2"])
        _ = try await gazette.send(force: true, transport: smtp(sink, connections: 4))
        let entries = try await ledger()
        #expect(entries.values.filter { $0.status == .delivered }.count == 8, "\(entries.mapValues(\.status))")
        #expect(received == 8)
        let again = try await gazette.send(force: true, transport: smtp(sink, connections: 4))
        #expect(again.allSatisfy { $0.outcome == .alreadySent })
        #expect(received == 8, "nothing sent twice")
    }

    @Test(
        "one connection closed by the server after every 2 messages: each 421 costs one new connection, reused after it"
    )
    func reconnectThenReuse() async throws {
        let names = (1...6).map { "reader\($0)" }
        try await subscribe(names)
        let sink = try server(["--close-after", "2"])
        _ = try await gazette.send(force: true, transport: smtp(sink))
        #expect(try await ledger().values.allSatisfy { $0.status == .delivered })
        let ports = try (1...6).map { index in
            let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: mailbox.file("\(index).json")))
            return (envelope as? [String: Any])?["port"] as? Int
        }
        // Two messages a connection: the fresh connection the retry asked for is not forced on
        // the messages after it.
        #expect(Set(ports.compactMap { $0 }).count == 3, "client ports: \(ports)")
        #expect(ports[0] == ports[1] && ports[2] == ports[3] && ports[4] == ports[5], "client ports: \(ports)")
    }

    @Test(
        "a graceful shutdown mid-run reaches the delivery threads: no other message starts; the rest goes back untried and the next run sends it once"
    )
    func gracefulShutdownMidRun() async throws {
        let names = (1...8).map { "reader\($0)" }
        try await subscribe(names)
        let sink = try server()
        // SIGTERM as the daemon hears it, right after the third message is accepted, while the
        // queue still holds the other five. The worker's thread is outside any task: only a stop
        // check that does not read the task (`whileStoppable`) sees it there.
        let reports = try await testGracefulShutdown { trigger in
            let transport = HookedTransport(
                inner: smtp(sink),
                after: { sent in
                    if sent == 3 { trigger.triggerGracefulShutdown() }
                }
            )
            return try await whileStoppable { stop in
                try await gazette.send(force: true, transport: transport, stopWhen: stop)
            }
        }
        #expect(received == 3, "the worker asks before each message, not only the task that fills its queue")
        let postponed = reports.filter {
            if case .postponed(let reason) = $0.outcome { return reason.contains("shutting down") }
            return false
        }
        #expect(postponed.count == 5, "\(reports.map(\.outcome))")
        let entries = try await ledger()
        #expect(entries.values.filter { $0.status == .delivered }.count == 3)
        #expect(entries.values.filter { $0.status == .queued }.count == 5, "given back untried, not left leased")
        #expect(entries.values.allSatisfy { $0.attempts <= 1 })

        _ = try await gazette.send(force: true, transport: smtp(sink))
        #expect(received == 8, "the rest went out on the next run, nothing twice")
        #expect(try await ledger().values.allSatisfy { $0.status == .delivered })
    }

    @Test(
        "a cancelled run waits for its delivery threads: the message in flight is on the ledger, and the next run sends the rest once"
    )
    func cancelledMidRun() async throws {
        let names = (1...8).map { "reader\($0)" }
        try await subscribe(names)
        let sink = try server()
        let run = Mutex<Task<[SendReport], any Error>?>(nil)
        let runEnded = DispatchSemaphore(value: 0)
        // Right after the third message is accepted, on the worker's thread, before its row is
        // written: the run is cancelled, and the worker lets it get on. A run that does not wait
        // for its workers returns at once and stops its ledger before the third row arrives; one
        // that waits cannot return before this hook ends, which the wait's bound allows.
        let transport = HookedTransport(
            inner: smtp(sink),
            after: { sent in
                guard sent == 3 else { return }
                run.withLock { $0 }?.cancel()
                _ = runEnded.wait(timeout: .now() + 1)
            }
        )
        let task = Task { [gazette] in try await gazette.send(force: true, transport: transport) }
        run.withLock { $0 = task }
        _ = try? await task.value
        runEnded.signal()
        #expect(received == 3)
        let entries = try await ledger()
        #expect(
            entries.values.filter { $0.status == .delivered }.count == 3,
            "every message the server accepted is on the ledger: \(entries.mapValues(\.status))"
        )
        #expect(entries.values.filter { $0.status == .queued }.count == 5, "given back untried, not left leased")

        _ = try await gazette.send(force: true, transport: smtp(sink))
        #expect(received == 8, "the rest went out on the next run, nothing twice")
        #expect(try await ledger().values.allSatisfy { $0.status == .delivered && $0.attempts == 1 })
    }

    /// `transport`, with `sql` run on the store right after the server accepts message number
    /// `count` (on the worker's thread, before that message's row is written).
    func breaking(_ transport: SMTPTransport, afterMessage count: Int, with sql: String) throws -> HookedTransport {
        let store = try #require(gazette.store as? SQLiteStore)
        return HookedTransport(
            inner: transport,
            after: { sent in
                guard sent == count else { return }
                try? store.pool.write { db in try db.execute(sql: sql) }
            }
        )
    }

    @Test(
        "a ledger write that fails stops the run with the store's error: the next message is not handed over, the rest is given back"
    )
    func ledgerWriteFails() async throws {
        try await subscribe((1...8).map { "reader\($0)" })
        let sink = try server()
        // After the 3rd message is accepted and before its row is written, its edition goes:
        // the delivery row's foreign key refuses that write.
        let transport = try breaking(
            smtp(sink),
            afterMessage: 3,
            with: "DELETE FROM editions WHERE recipient = 'reader3@example.org'"
        )
        await #expect(throws: (any Error).self) { try await gazette.send(force: true, transport: transport) }
        #expect(received == 3, "the 4th message waited for the 3rd row, which never came, and was not handed over")
        let entries = try await ledger()
        #expect(entries["reader3"] == nil)
        #expect(entries.values.filter { $0.status == .delivered }.count == 2)
        #expect(entries.values.filter { $0.status == .queued }.count == 5, "\(entries.mapValues(\.status))")
    }

    @Test("readers that cannot be read for a later batch: the run stops, and that batch goes back untried")
    func readersUnreadable() async throws {
        // 60 editions: leased 8, 16 and 32 at a time while the first 32 are queued; the fourth
        // lease (the last 4) comes once more than 24 are sent.
        try await subscribe((1...60).map { "reader\($0)" })
        let sink = try server()
        let store = try #require(gazette.store as? SQLiteStore)
        // After the 25th message the subscribers cannot be read: the fourth batch's readers
        // fail. Not sooner: the first three leases read their readers while the worker sends,
        // and the 25th message is the first of the third lease, so its readers were read
        // before it was queued (after the 3rd, one loaded run here stopped at 15). The fourth
        // lease waits for room for all 56 leased, more than 30 sent.
        let transport = try breaking(smtp(sink), afterMessage: 25, with: "ALTER TABLE subscribers RENAME TO hidden")
        await #expect(throws: (any Error).self) { try await gazette.send(force: true, transport: transport) }
        let sent = received
        let entries = try await ledger()
        let leased = entries.filter { $0.value.status == .sending }.keys.sorted()
        #expect(leased.isEmpty, "still leased: \(leased)")
        #expect(entries.values.filter { $0.status == .delivered }.count == sent)
        #expect(entries.values.filter { $0.status == .queued }.count == 60 - sent)
        #expect(sent > 24 && sent < 60, "the run stopped at the fourth lease: \(sent) sent")
        // Readable again: the next run sends the rest, each once.
        try await store.pool.write { db in try db.execute(sql: "ALTER TABLE hidden RENAME TO subscribers") }
        _ = try await gazette.send(force: true, transport: smtp(sink))
        #expect(received == 60)
        #expect(try await ledger().values.allSatisfy { $0.status == .delivered })
    }

    /// A Japanese article first seen `seconds` after the start: news for the next edition.
    func news(at seconds: TimeInterval) async throws {
        let date = Self.start.addingTimeInterval(seconds)
        _ = try await gazette.store.saveArticles([
            Article(
                sourceID: "eveningpost",
                guid: "news-\(Int(seconds))",
                url: "https://eveningpost.example/\(Int(seconds))",
                title: "Story number \(Int(seconds)) \(Int(seconds) * 7)",
                text: "Words \(Int(seconds)) only here \(Int(seconds) * 3).",
                publishedAt: date.addingTimeInterval(-60),
                fetchedAt: date.addingTimeInterval(-60),
                country: Country(code: "JP")!,
                language: "en"
            )
        ])
    }

    @Test("two editions refused for good suppress the address; what a dead run leased is sent by the next run")
    func suppressionAndLeases() async throws {
        try await subscribe(["reject", "reader"])
        let sink = try server()
        _ = try await gazette.send(force: true, transport: smtp(sink))
        try await news(at: 86_400)
        _ = try await at(86_400).send(force: true, transport: smtp(sink))
        let suppressed = try await gazette.store.suppressions()
        #expect(suppressed.map(\.email) == ["reject@example.org"])
        #expect(suppressed.first?.reason.contains("550") == true)
        try await news(at: 2 * 86_400)
        let third = try await at(2 * 86_400).send(force: true, transport: smtp(sink))
        #expect(!third.contains { $0.email.value == "reject@example.org" }, "no edition for a suppressed address")

        // A run leases the next edition and dies before sending it.
        let day4 = 3 * 86_400.0
        try await news(at: day4)
        let dying = at(day4)
        _ = try await dying.queueDueEditions(force: true)
        let date = Self.start.addingTimeInterval(day4)
        let leased = try await gazette.store.leaseDueEditions(
            now: date,
            leaseUntil: date.addingTimeInterval(Gazette.lease),
            limit: 10
        )
        #expect(leased.map(\.recipient) == ["reader@example.org"])
        #expect(try await ledger()["reader"]?.status == .sending)
        // The next run holds the send lock, so the run that leased it is dead: it goes out now.
        let before = received
        _ = try await at(day4 + 60).send(force: true, transport: smtp(sink))
        #expect(try await ledger()["reader"]?.status == .delivered)
        #expect(received == before + 1)
    }

    @Test(
        "with delivery.dkim set, what the server receives carries an Ed25519 and an RSA signature that verify: digests and confirmation emails"
    )
    func signedDigests() async throws {
        var configuration = gazette.configuration
        for (algorithm, arguments) in [
            ("ed25519-sha256", ["-algorithm", "ed25519"]),
            ("rsa-sha256", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
        ] {
            let path = folder.file("\(algorithm).pem").path
            #expect(try Peers.run("/usr/bin/openssl", ["genpkey"] + arguments + ["-out", path]).status == 0)
            configuration.delivery.dkim.append(
                .init(
                    domain: "gazette.example",
                    selector: String(algorithm.prefix(3)),
                    privateKeyPath: path,
                    algorithm: .init(rawValue: algorithm)!
                )
            )
        }
        let signing = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { DeliveryFaultTests.start }
        )
        try await subscribe(["reader"])
        let sink = try server()
        _ = try await signing.send(force: true, transport: smtp(sink))
        #expect(received == 1)
        let records = try configuration.delivery.dkim.map { try DKIMSigner($0).dnsRecord }.map {
            "\($0.name)=\($0.value)"
        }
        let result = try Peers.json(Peers.runScript("verify_dkim.py", [mailbox.file("1.eml").path] + records))
        #expect(result["results"] as? [Bool] == [true, true], "\(result["errors"] ?? "")")

        let outcome = try await signing.requestSubscription(
            EmailAddress("newcomer@example.org")!,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
            transport: smtp(sink)
        )
        #expect(outcome == .confirmationSent && received == 2)
        let confirmation = try Peers.json(
            Peers.runScript("verify_dkim.py", [mailbox.file("2.eml").path] + records)
        )
        #expect(confirmation["results"] as? [Bool] == [true, true], "\(confirmation["errors"] ?? "")")
    }
}
