import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import GazetteStore
import GazetteWeb
import Hummingbird
import ServiceLifecycle
import UnixSignals

/// `gazette run`: how Gazette lives on a server.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, schedule and deliver until stopped (SIGTERM or SIGINT stop it gracefully).",
        discussion: """
            Feeds are read every scheduling.ingestIntervalMinutes; each minute, editions that fell due \\
            in their readers' time zones are rendered, queued and delivered. One `gazette run` per \\
            database. Logs go to standard error (--verbose for one line per cycle).
            """
    )
    @OptionGroup var options: GlobalOptions
    @Flag(help: "One cycle (ingest, stories, due editions, delivery), then exit: for cron.") var once = false
    @Flag(help: "Do not serve HTTP (feeds, unsubscribe, archive) from this process.") var noServer = false

    func run() async throws {
        let gazette = try await options.openGazette()
        let transport = try await CommandFailure.wrap { try gazette.makeTransport() }
        let web = WebServer(gazette: gazette, transport: transport)
        let server = gazette.configuration.server
        let services: [any Service] =
            once || noServer ? [] : [web.application(host: server.host, port: server.port)]
        try await CommandFailure.wrap {
            try await gazette.runDaemon(once: once, transport: transport, services: services) {
                await web.invalidate()
            }
        }
        await web.finishSignups()
    }
}

/// `gazette serve`: the HTTP face alone (feeds, unsubscribe, archive), for a separate process.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve feeds, the unsubscribe page and edition archives over HTTP until stopped.",
        discussion: "Listens on server.host:server.port from the config (default 127.0.0.1:8080)."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Listen on this port instead of server.port (0: any free port, printed).") var port: Int?

    func run() async throws {
        let gazette = try await options.openGazette()
        let server = gazette.configuration.server
        let transport = try await CommandFailure.wrap { try gazette.makeTransport() }
        let web = WebServer(gazette: gazette, transport: transport)
        let app = web.application(host: server.host, port: port ?? server.port) { actual in
            FileHandle.standardOutput.write(Data("listening on http://\(server.host):\(actual)\n".utf8))
        }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: gazette.logger)
        try await group.run()
        // Sign-ups answered before the stop still send their confirmation emails.
        await web.finishSignups()
    }
}

/// `gazette schedule`: what the scheduler will do, computed by the code that does it.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "List every edition that falls due in a window, per subscription, in UTC and in the reader's zone."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Start of the window (ISO 8601, e.g. 2026-11-29T00:00:00Z).") var from: Instant
    @Option(help: "End of the window, exclusive (ISO 8601).") var to: Instant
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (start, end) = (from.date, to.date)
        guard start < end, end.timeIntervalSince(start) <= 366 * 86_400 else {
            throw ValidationError("--to must come after --from, at most a year later")
        }
        let gazette = try await options.openGazette()
        struct Row: Encodable {
            var email: String
            var period: String
            var utc: String
            var local: String
            var timeZone: String
        }
        var rows: [Row] = []
        for record in try await gazette.store.activeSubscribers() {
            let zone = record.subscription.timeZone
            let local = Date.ISO8601FormatStyle(timeZone: zone)
            for due in Schedule(record.subscription).dues(from: start, to: end) {
                rows.append(
                    Row(
                        email: record.subscriber.email.value,
                        period: due.period,
                        utc: due.instant.formatted(.iso8601),
                        local: local.format(due.instant),
                        timeZone: zone.identifier
                    )
                )
            }
        }
        rows.sort { ($0.utc, $0.email) < ($1.utc, $1.email) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            for row in rows { print("\(row.utc)\t\(row.local) \(row.timeZone)\t\(row.email)\t\(row.period)") }
        }
    }
}

/// `gazette status`: the state of the whole service at a glance.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Last ingest, the next editions due, the delivery ledger's counts and the feeds in trouble."
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let gazette = try await options.openGazette()
        let now = Date()
        let feeds = try await gazette.feedStatuses()
        let lastIngest = feeds.compactMap(\.lastSuccessAt).max()
        print("last ingest:  \(lastIngest.map { $0.formatted(.iso8601) } ?? "never")")
        var next: [(Date, String, String)] = []
        for record in try await gazette.store.activeSubscribers() {
            if let due = Schedule(record.subscription).dues(from: now, to: now.addingTimeInterval(8 * 86_400)).first {
                next.append((due.instant, record.subscriber.email.value, due.period))
            }
        }
        print("next due:     \(next.count) subscription\(next.count == 1 ? "" : "s") in the next 8 days")
        for (instant, email, period) in next.sorted(by: { $0.0 < $1.0 }).prefix(10) {
            print("              \(instant.formatted(.iso8601))  \(email)  \(period)")
        }
        let counts = try await gazette.store.ledgerCounts(createdSince: nil)
        let ledger = Edition.Status.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")
        print("ledger:       \(ledger)")
        let suppressed = try await gazette.store.suppressions().count
        if suppressed > 0 { print("suppressed:   \(suppressed) address\(suppressed == 1 ? "" : "es")") }
        let trouble = feeds.filter { status in
            if case .ok = status.health { return false }
            if case .new = status.health { return false }
            return true
        }
        print("feeds:        \(feeds.count), \(trouble.count) in trouble")
        for status in trouble {
            print("              \(status.sourceID)  \(status.url)  \(status.lastError ?? "")")
        }
    }
}
