import Foundation
import GazetteApp
import GazetteCore
import GazetteStore

/// How the commands show their results to a person (and, with --json, to a program).
enum ReportPrinter {
    static func describe(_ subscription: Subscription) -> String {
        var parts = ["countries " + subscription.countries.map(\.code).joined(separator: ",")]
        if !subscription.topics.isEmpty {
            parts.append("topics " + subscription.topics.map(\.slug).joined(separator: ","))
        }
        let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        let when =
            subscription.frequency == .weekly
            ? "weekly on \(days[subscription.weekday - 1])s" : subscription.frequency.rawValue
        parts.append("\(when) at \(subscription.sendHour):00 \(subscription.timeZone.identifier)")
        parts.append(subscription.format.rawValue)
        return parts.joined(separator: "; ")
    }

    static func print(_ reports: [FeedReport]) {
        for report in reports {
            switch report.outcome {
            case .stored(let new, let updated, let seen, let skipped):
                let updatedNote = updated == 0 ? "" : ", \(updated) updated"
                let skippedNote = skipped.isEmpty ? "" : ", \(skipped.count) skipped"
                Swift.print(
                    "ok      \(report.sourceID)  \(report.url)  \(new) new of \(seen)\(updatedNote)\(skippedNote)"
                )
            case .notModified:
                Swift.print("same    \(report.sourceID)  \(report.url)  not modified")
            case .skipped(let reason):
                Swift.print("skip    \(report.sourceID)  \(report.url)  \(reason)")
            case .failed(let message):
                Swift.print("FAILED  \(report.sourceID)  \(message)")
            }
        }
    }

    static func print(_ reports: [SendReport]) {
        for report in reports {
            let what: String
            switch report.outcome {
            case .notDue: what = "not due yet"
            case .noNews: what = "no news for this period, nothing sent"
            case .alreadySent: what = "already delivered for this period"
            case .failedBefore(let reply): what = "refused for good earlier in this period: \(reply)"
            case .waiting(let date): what = "deferred; next attempt at \(date.formatted(.iso8601))"
            case .skipped(let due, _): what = "skipped: due at \(due.formatted(.iso8601)), too late to send"
            case .suppressed(let reason): what = "address suppressed, nothing sent: \(reason)"
            case .postponed(let reason): what = "left queued for the next run: \(reason)"
            case .attempted(let status, let code, let detail):
                what = "\(status.rawValue)\(code.map { " (\($0))" } ?? ""): \(report.articleCount) articles; \(detail)"
            }
            Swift.print("\(report.email)  \(report.period)  \(what)")
        }
    }

    static func print(_ report: DemoReport) {
        let failed = report.feedReports.filter(\.isFailure).count
        Swift.print("Gazette demo")
        Swift.print(
            "  ingested   \(report.feedReports.count) sample feeds (\(failed) failed), \(report.articleCount) articles"
        )
        Swift.print("  database   \(report.databasePath)")
        Swift.print("  clock      \(report.demoClock) (one hour after the newest sample article)")
        Swift.print("  reader     \(report.subscriber) (DE, FR, KE; 07:00 Europe/Berlin)")
        let folder = URL(fileURLWithPath: report.feedsDirectory).standardizedFileURL.path
        Swift.print("  feeds      \(report.feedFiles.count) files in \(folder): RSS, Atom and JSON Feed per")
        Swift.print("             country, topic and country+topic; the reader's private feed; feeds.opml")
        for file in report.feedFiles where file.pathExtension == "opml" || file.path.contains("/s/") {
            if file.pathExtension == "opml" || file.pathExtension == "atom" { Swift.print("             \(file.path)") }
        }
        Swift.print("  digest")
        print(report.sendReports)
        Swift.print("  outbox     \(report.outboxDirectory)")
    }

    static func json(_ records: [SubscriberRecord]) throws -> String {
        struct Row: Encodable {
            var email: String
            var status: String
            var countries: [String]
            var topics: [String]
            var frequency: String
            var sendHour: Int
            var timeZone: String
            var format: String
            var createdAt: Date
        }
        let rows = records.map { record in
            Row(
                email: record.subscriber.email.value,
                status: record.subscriber.status.rawValue,
                countries: record.subscription.countries.map(\.code),
                topics: record.subscription.topics.map(\.slug),
                frequency: record.subscription.frequency.rawValue,
                sendHour: record.subscription.sendHour,
                timeZone: record.subscription.timeZone.identifier,
                format: record.subscription.format.rawValue,
                createdAt: record.subscriber.createdAt
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }
}
