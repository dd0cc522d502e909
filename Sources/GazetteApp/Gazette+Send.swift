import Curl
import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Logging

/// What `send` did for one subscriber.
public struct SendReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case notDue
        case noNews
        /// This period's edition was delivered before; it is never sent twice.
        case alreadySent
        /// This period's edition was refused for good (5xx) before; it is not tried again.
        case failedBefore(String)
        /// This period's edition was deferred; its next attempt is not due yet.
        case waiting(until: Date)
        /// It fell due while nothing ran, longer ago than `scheduling.latenessHours`: not sent.
        /// `recordedNow`: this run found it so (false: an earlier run did).
        case skipped(dueAt: Date, recordedNow: Bool)
        /// The address is suppressed after repeated hard failures; nothing is sent to it.
        case suppressed(String)
        /// Left queued, untried, for the next run: the server asked to slow down, or the run stopped.
        case postponed(String)
        case attempted(Delivery.Status, replyCode: Int?, detail: String)
    }

    public var email: EmailAddress
    public var period: String
    public var articleCount: Int
    public var outcome: Outcome
}

extension Gazette {
    /// The transport the configuration asks for. The SMTP password is read from the environment
    /// variable the config names; its value is never logged or shown in an error.
    public func makeTransport(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> any MailTransport
    {
        let delivery = configuration.delivery
        switch delivery.mode {
        case .outbox:
            return OutboxTransport(directory: URL(fileURLWithPath: delivery.outboxDirectory))
        case .smtp:
            guard let smtp = delivery.smtp else { throw GazetteError("delivery.smtp: missing") }
            var password: String?
            if let variable = smtp.passwordEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw GazetteError(
                        "delivery.smtp.passwordEnv: the environment variable \(variable) is not set"
                    )
                }
                password = value
            }
            return SMTPTransport(
                server: SMTPServer(
                    url: smtp.url,
                    heloName: configuration.site.baseURL.host ?? "localhost",
                    username: smtp.username,
                    password: password,
                    requireTLS: smtp.requireTLS ? nil : false
                ),
                connections: smtp.connections,
                perDomain: smtp.perDomainConnections
            )
        }
    }

    /// Builds every digest that is due (all active ones with `force`) and queues it in the
    /// ledger, then delivers what the ledger holds that is due: new editions, deferred ones
    /// whose time has come, and ones a dead run left leased. An edition delivered is never sent
    /// again; one refused for good is not retried unless `gazette resend --failed` queues it.
    /// - Parameter stopWhen: asked before each message; once it says stop, nothing new starts
    ///   and what was leased goes back untried (the daemon's graceful shutdown). It is asked on
    ///   the delivery threads too, outside any task: it must not read the calling task
    ///   (`Task.isCancelled`, task-locals); `whileStoppable` makes one that does not.
    /// - Parameter progress: hears the number of messages attempted so far, each time more
    ///   are leased (every 8 to 64 messages a connection) and at the end.
    public func send(
        force: Bool = false,
        transport: any MailTransport,
        stopWhen: @escaping @Sendable () -> Bool = { false },
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> [SendReport] {
        guard let lock = try ProcessLock(path: configuration.database.path + ".send.lock") else {
            throw GazetteError("another `gazette send` is running on \(configuration.database.path); try again later")
        }
        defer { withExtendedLifetime(lock) {} }
        // Only one run holds the lock: editions still marked as being sent belong to a run that
        // died. They go out again now (a message whose 250 reply was lost may arrive twice).
        try await store.reclaimAbandonedEditions()
        var reports = try await queueDueEditions(force: force)
        reports += try await deliverQueued(transport: transport, stopWhen: stopWhen, progress: progress)
        return reports
    }

    /// Renders and queues the editions that are due; reports the subscribers that get none now.
    /// Due means: the subscription's latest due time has passed (`Schedule`), its edition does
    /// not exist yet, and it is at most `scheduling.latenessHours` late; a later one is recorded
    /// as skipped. `force` queues today's edition for everyone, whatever the hour.
    func queueDueEditions(force: Bool) async throws -> [SendReport] {
        let date = now()
        var reports: [SendReport] = []
        let records = try await store.activeSubscribers()
        let lateness = TimeInterval(configuration.scheduling.latenessHours) * 3_600
        var dues: [Int64: Schedule.Due] = [:]
        for record in records {
            guard let id = record.subscription.id else { continue }
            let schedule = Schedule(record.subscription)
            dues[id] =
                force
                ? Schedule.Due(period: schedule.period(of: date), instant: date) : schedule.latestDue(atOrBefore: date)
        }
        // This period's editions, in one query rather than one per subscriber.
        let periods = Array(Set(dues.values.map(\.period)))
        let existing = Dictionary(
            try await store.editionStates(periods: periods).map { ("\($0.subscriptionID)/\($0.period)", $0) },
            uniquingKeysWith: { first, _ in first }
        )
        let skipped = try await store.skippedEditions(periods: periods)
        let reads = SelectionReads()
        for record in records {
            let subscription = record.subscription
            guard let subscriptionID = subscription.id else { continue }
            func report(_ outcome: SendReport.Outcome, period: String, count: Int = 0) {
                reports.append(
                    SendReport(email: record.subscriber.email, period: period, articleCount: count, outcome: outcome)
                )
            }
            // An edition due before the reader subscribed is not theirs: the first is the next one.
            guard let due = dues[subscriptionID], force || due.instant >= record.subscriber.createdAt else {
                report(.notDue, period: Self.period(of: subscription, at: date))
                continue
            }
            let period = due.period
            if let existing = existing["\(subscriptionID)/\(period)"] {
                switch existing.status {
                case .delivered: report(.alreadySent, period: period, count: existing.articleIDs.count)
                case .failed:
                    report(
                        .failedBefore(existing.lastReplyText ?? "refused"),
                        period: period,
                        count: existing.articleIDs.count
                    )
                case .deferred where (existing.nextAttemptAt ?? date) > date:
                    report(
                        .waiting(until: existing.nextAttemptAt ?? date),
                        period: period,
                        count: existing.articleIDs.count
                    )
                case .queued, .sending, .deferred: break  // delivered below
                }
                continue
            }
            if skipped.contains("\(subscriptionID)/\(period)") {
                report(.skipped(dueAt: due.instant, recordedNow: false), period: period)
                continue
            }
            guard date.timeIntervalSince(due.instant) <= lateness else {
                try await store.recordSkipped(
                    subscriptionID: subscriptionID,
                    period: period,
                    dueAt: due.instant,
                    now: date
                )
                logger.warning(
                    "edition skipped: too late",
                    metadata: ["subscription.id": "\(subscriptionID)", "edition.period": "\(period)"]
                )
                report(.skipped(dueAt: due.instant, recordedNow: true), period: period)
                continue
            }
            let stories = try await selectStories(for: subscription, until: date, reads: reads)
            guard !stories.isEmpty || configuration.digest.sendEmptyEditions else {
                report(.noNews, period: period)
                continue
            }
            let digest = prepare(record, stories: stories, period: period)
            let (_, isNew) = try await store.claimEdition(
                Edition(
                    subscriptionID: subscriptionID,
                    period: period,
                    messageID: digest.message.messageID,
                    articleIDs: digest.articleIDs,
                    createdAt: date,
                    key: digest.editionKey,
                    subject: digest.message.subject,
                    html: digest.message.html,
                    text: digest.message.text,
                    recipient: record.subscriber.email.value
                )
            )
            if isNew { metrics.editionMade() }
        }
        return reports
    }
}
