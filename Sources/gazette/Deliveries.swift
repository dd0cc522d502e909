import ArgumentParser
import Foundation
import GazetteApp
import GazetteCore
import GazetteStore

extension Edition.Status: ExpressibleByArgument {}

/// An ISO 8601 instant on the command line (`2026-11-29T00:00:00Z`), checked by the parser.
struct Instant: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        guard let date = try? Date(argument, strategy: .iso8601) else { return nil }
        self.date = date
    }

    static var defaultValueDescription: String { "an ISO 8601 time such as 2026-11-29T00:00:00Z" }
}

/// `gazette deliveries`: the ledger, so that "who did not get it?" has an answer.
struct Deliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List the delivery ledger: each edition, its recipient, status, attempts and last reply.",
        discussion: "Newest first. Statuses: queued, sending, delivered, deferred, failed."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only this edition (its id).") var edition: Int64?
    @Option(help: "Only editions with this status.") var status: Edition.Status?
    @Option(help: "Only editions made at or after this time (ISO 8601, e.g. 2026-11-29T00:00:00Z).")
    var since: Instant?
    @Option(help: "At most this many editions.") var limit = 1_000
    @Flag(help: "Print JSON: one object per edition, with its attempts.") var json = false

    func run() async throws {
        let sinceDate = since?.date
        let gazette = try await options.openGazette()
        let editions = try await gazette.store.ledger(
            editionID: edition,
            status: status,
            since: sinceDate,
            limit: limit
        )
        if json {
            struct Attempt: Encodable {
                var at: Date
                var status: String
                var replyCode: Int?
                var replyText: String?
                var queueID: String?
            }
            struct Row: Encodable {
                var edition: Int64
                var period: String
                var recipient: String
                var messageID: String
                var status: String
                var attempts: Int
                var nextAttemptAt: Date?
                var lastReplyCode: Int?
                var lastReplyText: String?
                var history: [Attempt]
            }
            var rows: [Row] = []
            for entry in editions {
                let history = try await gazette.store.deliveries(editionID: entry.id!).map {
                    Attempt(
                        at: $0.attemptedAt,
                        status: $0.status.rawValue,
                        replyCode: $0.replyCode,
                        replyText: $0.replyText,
                        queueID: $0.queueID
                    )
                }
                rows.append(
                    Row(
                        edition: entry.id!,
                        period: entry.period,
                        recipient: entry.recipient,
                        messageID: entry.messageID,
                        status: entry.status.rawValue,
                        attempts: entry.attempts,
                        nextAttemptAt: entry.nextAttemptAt,
                        lastReplyCode: entry.lastReplyCode,
                        lastReplyText: entry.lastReplyText,
                        history: history
                    )
                )
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        for entry in editions {
            var line = "\(entry.id!)\t\(entry.period)\t\(entry.recipient)\t\(entry.status.rawValue)\t"
            line += "\(entry.attempts) attempt\(entry.attempts == 1 ? "" : "s")"
            if let code = entry.lastReplyCode { line += "\t\(code)" }
            if let text = entry.lastReplyText { line += "\t\(text)" }
            if entry.status == .deferred, let next = entry.nextAttemptAt {
                line += "\tnext attempt \(next.formatted(.iso8601))"
            }
            print(line)
        }
        for suppressed in try await gazette.store.suppressions() {
            print("suppressed\t\(suppressed.email)\t\(suppressed.reason)")
        }
    }
}

/// `gazette resend --failed`: queue failed editions again, after the operator fixed the cause.
struct Resend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract: "Queue failed editions again; the next `gazette send` delivers them.",
        discussion: "An edition goes out exactly as it was first rendered. Suppressed addresses stay suppressed."
    )
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Queue every failed edition (required: says what is being resent).") var failed = false
    @Option(help: "Only editions made at or after this time (ISO 8601).") var since: Instant?

    func validate() throws {
        guard failed else { throw ValidationError("say what to resend: --failed") }
    }

    func run() async throws {
        let sinceDate = since?.date
        let gazette = try await options.openGazette()
        let count = try await gazette.store.requeueFailed(since: sinceDate, now: Date())
        print("queued \(count) failed edition\(count == 1 ? "" : "s") again; `gazette send` delivers them")
    }
}
