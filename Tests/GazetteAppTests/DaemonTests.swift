import Foundation
import GazetteCore
import GazetteStore
import TestSupport
import Testing

/// `gazette run`, the real executable, against feeds on a loopback HTTP server and an SMTP
/// server on loopback: it delivers what is due, refuses a second scheduler on the same
/// database, and stops on SIGTERM with exit 0 and a consistent ledger.
@Suite("gazette run")
struct DaemonTests {
    /// The environment the executable runs in: the templates are this checkout's.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GAZETTE_HOME"] = Paths.repository.path
        return environment
    }

    /// `gazette run --config CONFIG` (with `--verbose`: a log line per cycle), started; standard
    /// output is discarded.
    static func run(config: URL, verbose: Bool = false, standardError: FileHandle = .nullDevice) throws -> Process {
        let daemon = Process()
        daemon.executableURL = Paths.gazetteExecutable
        daemon.arguments = ["run"] + (verbose ? ["--verbose"] : []) + ["--config", config.path]
        daemon.environment = environment
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = standardError
        try daemon.run()
        return daemon
    }

    /// Whether the daemon ended within `seconds`; one that did not is killed, so that its exit
    /// status can be read all the same.
    static func ended(_ daemon: Process, within seconds: TimeInterval) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while daemon.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard daemon.isRunning else { return true }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        return false
    }

    /// `gazette.json` in `folder` for one source: the database and the outbox in the folder, the
    /// web server on `port` (0: one the system chooses), and `ingest` settings if any.
    static func writeConfig(
        in folder: TemporaryDirectory,
        source: [String: Any],
        port: Int = 0,
        ingest: [String: Any]? = nil
    ) throws -> URL {
        var config: [String: Any] = [
            "sources": [source],
            "database": ["path": folder.file("gazette.sqlite").path],
            "server": ["host": "127.0.0.1", "port": port],
            "site": ["baseURL": "https://gazette.example"],
            "delivery": ["from": "Gazette <digest@gazette.example>", "outboxDirectory": folder.file("outbox").path],
        ]
        if let ingest { config["ingest"] = ingest }
        let url = folder.file("gazette.json")
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return url
    }

    /// The sample Northern Ledger feed, served by `web`, as a source.
    static func ledgerSource(servedBy web: LoopbackHTTPServer) throws -> [String: Any] {
        try FileManager.default.copyItem(
            at: Paths.samples.appendingPathComponent("feeds/northern-ledger.rss"),
            to: web.folder.file("northern-ledger.rss")
        )
        return [
            "id": "ledger", "name": "The Northern Ledger", "country": "GB", "language": "en",
            "feeds": [web.url("northern-ledger.rss")],
        ]
    }

    /// `run`, with standard error in `stderr.log` in `folder`: a file, not a pipe, which a daemon
    /// that logs in a loop would fill and then block on.
    static func runLogging(config: URL, in folder: TemporaryDirectory, verbose: Bool = false) throws -> Process {
        try #require(FileManager.default.createFile(atPath: folder.file("stderr.log").path, contents: nil))
        return try run(
            config: config,
            verbose: verbose,
            standardError: try FileHandle(forWritingTo: folder.file("stderr.log"))
        )
    }

    /// What Python's sqlite3 prints for `sql` on `database` (each row), committed.
    static func sqlite(_ database: String, _ sql: String) throws -> String {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for row in db.execute(sys.argv[2]): print(*row)
            db.commit()
            """
        let output = try Peers.run(Peers.python, ["-c", script, database, sql])
        try #require(output.status == 0, "\(sql): \(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("delivers the due edition, refuses a second scheduler, exits 0 on SIGTERM with nothing left half-sent")
    func liveRun() async throws {
        let folder = try TemporaryDirectory()
        let mailbox = try TemporaryDirectory()
        let web = try LoopbackHTTPServer()
        let sink = try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path])
        let sampleFeeds = Paths.samples.appendingPathComponent("feeds")
        // Dated yesterday: the daemon picks the day's news by the real clock.
        for name in try FileManager.default.contentsOfDirectory(atPath: sampleFeeds.path) {
            try SampleFeeds.copyDatedYesterday(name, to: web.folder.url.appendingPathComponent(name))
        }
        var sample = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json"))
            ) as? [String: Any]
        )
        sample["sources"] = (sample["sources"] as? [[String: Any]] ?? []).map { source in
            var source = source
            source["feeds"] = (source["feeds"] as? [String] ?? []).map {
                web.url(String($0.dropFirst("file:feeds/".count)))
            }
            return source
        }
        sample["ingest"] = [:] as [String: Any]
        sample["database"] = ["path": folder.file("gazette.sqlite").path]
        // The HTTP server inside `gazette run` listens on a port the system chooses.
        sample["server"] = ["port": 0]
        sample["delivery"] = [
            "from": "Gazette <digest@gazette.example>", "mode": "smtp",
            "smtp": ["url": "smtp://127.0.0.1:\(sink.port)"],
        ]
        let config = folder.file("gazette.json")
        try JSONSerialization.data(withJSONObject: sample).write(to: config)

        // A reader who subscribed yesterday, due at the top of this UTC hour: due now.
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        do {
            let store = try SQLiteStore(path: folder.file("gazette.sqlite").path)
            _ = try await store.subscribe(
                EmailAddress("reader@example.org")!,
                preferences: SubscriptionPreferences(countries: [Country(code: "JP")!], sendHour: hour),
                status: .active,
                now: Date().addingTimeInterval(-86_400)
            )
        }

        let daemon = try Self.run(config: config)
        defer { if daemon.isRunning { daemon.terminate() } }

        // Wait (at most a minute) for the digest to reach the SMTP server.
        let deadline = Date().addingTimeInterval(60)
        func received() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: mailbox.url.path)) ?? []).filter {
                $0.hasSuffix(".eml")
            }
            .count
        }
        while received() == 0, daemon.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(received() == 1, "the due edition was delivered")

        let second = try Peers.run(
            Paths.gazetteExecutable.path,
            ["run", "--once", "--config", config.path],
            environment: Self.environment
        )
        #expect(second.status == 1)
        #expect(second.stderr.contains("another `gazette run` is already scheduling"))

        kill(daemon.processIdentifier, SIGTERM)
        #expect(try await Self.ended(daemon, within: 30), "stopped within 30 s of SIGTERM")
        #expect(daemon.terminationStatus == 0)

        let ledger = try Peers.run(
            Paths.gazetteExecutable.path,
            ["deliveries", "--json", "--config", config.path],
            environment: Self.environment
        )
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(ledger.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["delivered"])
        #expect(received() == 1, "nothing sent twice")
    }

    @Test("SIGTERM during the first ingest stops the daemon gracefully: exit 0, not killed by the signal")
    func sigtermDuringFirstIngest() async throws {
        let folder = try TemporaryDirectory()
        // The only feed sends a byte a second: the first ingest is still fetching it when the
        // signal comes, until the fetch's timeout ends it. (`make test` runs this test alone,
        // after the parallel ones: starved among them, it signalled after the fetch had ended.)
        let web = try LoopbackHTTPServer()
        let source: [String: Any] = [
            "id": "drip", "name": "The Slow Drip", "country": "GB", "language": "en", "feeds": [web.url("drip")],
        ]
        let config = try Self.writeConfig(in: folder, source: source, ingest: ["timeoutSeconds": 10])
        // With --verbose the daemon logs "ingest cycle" when its first cycle ends.
        let daemon = try Self.runLogging(config: config, in: folder, verbose: true)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        func text(_ file: URL) -> String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }
        // The server logs each request line: the fetch has begun once /drip is in it.
        let requests = web.folder.file(".requests")
        let fetchingBy = Date().addingTimeInterval(30)
        while !text(requests).contains("/drip"), daemon.isRunning, Date() < fetchingBy {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(text(requests).contains("/drip") && daemon.isRunning, "the first ingest began")
        // Not vacuous: the first cycle is still under way when the signal is sent.
        #expect(!text(folder.file("stderr.log")).contains("ingest cycle"))
        kill(daemon.processIdentifier, SIGTERM)
        #expect(
            try await Self.ended(daemon, within: 40),
            "stopped once the fetch under way ended (its timeout is 10 s)"
        )
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        let log = text(folder.file("stderr.log"))
        #expect(log.contains("ingest cycle") && log.contains("gazette run stopped"), "\(log)")
    }

    @Test("a store that fails in the first ingest ends the daemon with its error, before any delivery pass")
    func storeFailsInFirstIngest() async throws {
        let folder = try TemporaryDirectory()
        let web = try LoopbackHTTPServer()
        let config = try Self.writeConfig(in: folder, source: try Self.ledgerSource(servedBy: web))
        // The database made, then damaged as a bad restore or a hand edit might leave it: the
        // articles table gone, so that the first write of an article fails.
        let database = folder.file("gazette.sqlite").path
        _ = try SQLiteStore(path: database)
        _ = try Self.sqlite(database, "DROP TABLE articles")
        let daemon = try Self.runLogging(config: config, in: folder, verbose: true)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(try await Self.ended(daemon, within: 30), "ended within 30 s")
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus != 0)
        let log = try String(contentsOf: folder.file("stderr.log"), encoding: .utf8)
        #expect(log.contains("the store failed saving feed"), "the store's error is said: \(log)")
        #expect(log.contains("no such table: articles"), "\(log)")
        // The feed was fetched (the failure is the store's, not the fetch's), no delivery pass
        // ran, and the feed was not charged with a failure that was not its own.
        #expect(try String(contentsOf: web.folder.file(".requests"), encoding: .utf8).contains("northern-ledger"))
        #expect(!log.contains("delivery cycle"), "\(log)")
        #expect(try Self.sqlite(database, "SELECT COUNT(*) FROM feeds WHERE consecutiveFailures > 0") == "0")
    }

    @Test("a web server that cannot listen (its port taken) ends the daemon with that error, not a busy loop")
    func portTaken() async throws {
        let folder = try TemporaryDirectory()
        // A server on a port the OS chose, serving the feed: the daemon's web server cannot listen there.
        let web = try LoopbackHTTPServer()
        let config = try Self.writeConfig(
            in: folder,
            source: try Self.ledgerSource(servedBy: web),
            port: web.server.port
        )
        let daemon = try Self.runLogging(config: config, in: folder)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(try await Self.ended(daemon, within: 30), "ended within 30 s")
        #expect(daemon.terminationStatus != 0)
        let stderr = try String(contentsOf: folder.file("stderr.log"), encoding: .utf8)
        #expect(stderr.lowercased().contains("address already in use"), "the reason is said: \(stderr)")
    }
}
