import Foundation
import GazetteCore
import GazetteMail
import GazetteRender
import GazetteStore
import Logging

extension Gazette {
    /// How long a run holds an edition it is sending: longer than any SMTP conversation, so
    /// that only a run that died leaves one to be picked up again.
    static let lease: TimeInterval = 15 * 60

    /// Delivers every edition in the ledger that is due, `transport.parallelism` at a time,
    /// at most `delivery.smtp.messagesPerSecond`, leasing a few at a time so that a run that
    /// dies strands little. Each attempt is recorded as it ends. When the server asks to slow
    /// down, the rest waits for the next run untried; when login or TLS fails, the run stops
    /// with that error instead of failing every message.
    func deliverQueued(
        transport: any MailTransport,
        stopWhen: @escaping @Sendable () -> Bool = { false },
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> [SendReport] {
        // Only what was due when the run began: an edition deferred during the run waits for
        // the next one instead of coming back to the front of the queue.
        let runStart = now()
        let batchSize = transport.parallelism * 8
        func leaseBatch() async throws -> [Edition] {
            try await store.leaseDueEditions(
                now: runStart,
                leaseUntil: now().addingTimeInterval(Self.lease),
                limit: batchSize
            )
        }
        let batch = try await leaseBatch()
        // Nothing due, the daemon's usual minute: no subscriber list is read, no key file opened.
        guard !batch.isEmpty else { return [] }
        let records: [Int64: SubscriberRecord]
        let suppressed: [String: String]
        let signers: [DKIMSigner]
        do {
            records = Dictionary(
                try await store.allSubscribers().compactMap { record in record.subscription.id.map { ($0, record) } },
                uniquingKeysWith: { first, _ in first }
            )
            suppressed = Dictionary(
                try await store.suppressions().map { ($0.email, $0.reason) },
                uniquingKeysWith: { first, _ in first }
            )
            signers = try configuration.delivery.dkim.map { try DKIMSigner($0) }
        } catch {
            for edition in batch { try? await store.releaseEdition(id: edition.id!, notBefore: nil) }
            throw error
        }
        var seen: Set<Int64> = []
        // The next leased batch, or nil when nothing more is due. Each edition goes once per run:
        // one that came due again (a clock that stands still in a test, a zero delay) waits for
        // the next run rather than looping here.
        func nextBatch() async throws -> [Edition]? {
            let batch = try await leaseBatch()
            guard batch.contains(where: { !seen.contains($0.id!) }) else {
                for edition in batch { try await store.releaseEdition(id: edition.id!, notBefore: nil) }
                return nil
            }
            seen.formUnion(batch.compactMap(\.id))
            return batch
        }
        seen.formUnion(batch.compactMap(\.id))
        let (reports, halt) = try await deliver(
            batch,
            nextBatch: nextBatch,
            transport: transport,
            records: records,
            suppressed: suppressed,
            signers: signers,
            stopWhen: stopWhen,
            progress: progress
        )
        progress?(reports.count)
        if let halt, halt.isError { throw GazetteError(halt.reason) }
        return reports
    }

    /// The leased editions, and more as `nextBatch` leases them while the connections are still
    /// busy (no connection waits for a batch to drain). What was not tried when the run had to
    /// stop goes back untouched.
    private func deliver(
        _ firstBatch: [Edition],
        nextBatch: () async throws -> [Edition]?,
        transport: any MailTransport,
        records: [Int64: SubscriberRecord],
        suppressed: [String: String],
        signers: [DKIMSigner],
        stopWhen: @Sendable () -> Bool,
        progress: (@Sendable (Int) -> Void)?
    ) async throws -> (reports: [SendReport], halt: (reason: String, isError: Bool)?) {
        var editions = firstBatch
        var reports: [SendReport] = []
        var halt: (reason: String, isError: Bool)?
        var throttledDomains: [String: String] = [:]
        var pacer = Pacer(messagesPerSecond: configuration.delivery.smtp?.messagesPerSecond ?? 0)
        var next = 0
        var leasedAll = false
        var prepared: (editionID: Int64?, message: [UInt8])?
        do {
            try await withThrowingTaskGroup(of: (SendReport, EmailAddress, TransportOutcome).self) { group in
                var inFlight = 0
                while true {
                    while halt == nil, inFlight < transport.parallelism {
                        if next == editions.count {
                            progress?(reports.count)
                            guard !leasedAll, let batch = try await nextBatch() else {
                                leasedAll = true
                                break
                            }
                            editions += batch
                        }
                        if stopWhen() {
                            halt = ("shutting down; the rest goes out on the next run", false)
                            break
                        }
                        let edition = editions[next]
                        next += 1
                        func report(_ outcome: SendReport.Outcome) {
                            reports.append(
                                SendReport(
                                    email: EmailAddress(edition.recipient) ?? Self.demoReader,
                                    period: edition.period,
                                    articleCount: edition.articleIDs.count,
                                    outcome: outcome
                                )
                            )
                        }
                        // Unsubscribed or suppressed since it was queued, or nothing was rendered: it is not
                        // sent, and the ledger says why.
                        guard let record = records[edition.subscriptionID], record.subscriber.status == .active,
                            suppressed[record.subscriber.email.value] == nil, !edition.text.isEmpty
                        else {
                            let why =
                                suppressed[edition.recipient].map { "address suppressed: \($0)" }
                                ?? (edition.text.isEmpty ? "the edition has no rendered text" : "unsubscribed")
                            try await store.finishAttempt(
                                Delivery(
                                    editionID: edition.id!,
                                    recipient: EmailAddress(edition.recipient) ?? Self.demoReader,
                                    status: .failed,
                                    replyCode: nil,
                                    replyText: "not sent: \(why)",
                                    attemptedAt: now()
                                ),
                                status: .failed,
                                nextAttemptAt: nil
                            )
                            report(
                                suppressed[edition.recipient].map { .suppressed($0) }
                                    ?? .failedBefore("not sent: \(why)")
                            )
                            continue
                        }
                        // The recipient's domain asked to slow down: its mail waits for the next run.
                        if let reason = throttledDomains[record.subscriber.email.domain] {
                            let wait = TimeInterval(configuration.delivery.retry.initialDelaySeconds)
                            try await store.releaseEdition(id: edition.id!, notBefore: now().addingTimeInterval(wait))
                            report(.postponed(reason))
                            continue
                        }
                        try await pacer.wait()
                        let from = configuration.delivery.from.address
                        let built = prepared?.editionID == edition.id ? prepared?.message : nil
                        prepared = nil
                        // Each message is built (unless it was already), sent and recorded in its own
                        // task. The ledger write happens on the connection's thread before it takes
                        // the next message, so a crash can repeat at most one message per connection.
                        group.addTask {
                            let message = try built ?? build(edition, for: record, signers: signers)
                            let recorded = RecordedAttempt()
                            let started = ContinuousClock.now
                            let outcome = await transport.deliver(
                                message,
                                messageID: edition.messageID,
                                from: from,
                                to: record.subscriber.email
                            ) { outcome in
                                recorded.finish { try self.record(outcome, of: edition, to: record.subscriber.email) }
                            }
                            // The SMTP transaction alone: the ledger write after it is not the server's time.
                            metrics.delivery(outcome.status.rawValue, took: (recorded.repliedAt ?? .now) - started)
                            let report = try await settled(edition, entry: try recorded.entry(), outcome: outcome)
                            return (report, record.subscriber.email, outcome)
                        }
                        inFlight += 1
                    }
                    // While the connections are busy: lease the next batch and build the next message,
                    // so that the connection that frees up first finds both ready.
                    if halt == nil, !leasedAll, next == editions.count, !stopWhen() {
                        progress?(reports.count)
                        if let batch = try await nextBatch() { editions += batch } else { leasedAll = true }
                    }
                    // Only a message that will go: the same checks as above, so nothing skipped is built.
                    if halt == nil, next < editions.count, prepared?.editionID != editions[next].id,
                        let record = records[editions[next].subscriptionID], record.subscriber.status == .active,
                        suppressed[record.subscriber.email.value] == nil, !editions[next].text.isEmpty,
                        throttledDomains[record.subscriber.email.domain] == nil
                    {
                        prepared = (editions[next].id, try build(editions[next], for: record, signers: signers))
                    }
                    guard let (report, recipient, outcome) = try await group.next() else { break }
                    inFlight -= 1
                    reports.append(report)
                    if outcome.stopsTheRun, halt == nil {
                        halt = ("delivery stopped: \(outcome.detail); fix the SMTP settings and run send again", true)
                    } else if outcome.throttled, outcome.replyCode == 421, halt == nil {
                        // 421: the server itself is closing or unavailable.
                        halt = (
                            "the server asked to slow down (\(outcome.detail)); the rest waits for the next run", false
                        )
                    } else if outcome.throttled {
                        // 451 4.7.x or 454 for one recipient: that domain's limits, not the server's.
                        throttledDomains[recipient.domain] =
                            "\(recipient.domain) asked to slow down (\(outcome.detail)); its mail waits for the next run"
                    }
                }
            }
        } catch {
            // A store or signing error: what was not started goes back untouched, then the run stops.
            for edition in editions[next...] { try? await store.releaseEdition(id: edition.id!, notBefore: nil) }
            throw error
        }
        // What was leased but not tried goes back untouched: no attempt counted.
        for edition in editions[next...] {
            try await store.releaseEdition(id: edition.id!, notBefore: nil)
            reports.append(
                SendReport(
                    email: EmailAddress(edition.recipient) ?? Self.demoReader,
                    period: edition.period,
                    articleCount: edition.articleIDs.count,
                    outcome: .postponed(halt?.reason ?? "run stopped")
                )
            )
        }
        return (reports, halt)
    }

    /// The message of a leased edition as it goes out: rendered then, signed now.
    private func build(_ edition: Edition, for record: SubscriberRecord, signers: [DKIMSigner]) throws -> [UInt8] {
        try signers.reduce(message(of: edition, for: record).bytes()) { bytes, signer in
            try signer.sign(bytes, at: now())
        }
    }

    /// Writes one attempt to the ledger and moves the edition on: delivered, failed, or
    /// deferred with Postfix-style backoff until the deadline. Runs on the transport's thread.
    private func record(
        _ outcome: TransportOutcome,
        of edition: Edition,
        to recipient: EmailAddress
    ) throws
        -> LedgerEntry
    {
        let date = now()
        let retry = configuration.delivery.retry
        var entry = LedgerEntry(
            attempt: Delivery(
                editionID: edition.id!,
                recipient: recipient,
                status: outcome.status,
                replyCode: outcome.replyCode,
                replyText: outcome.detail,
                queueID: outcome.queueID,
                attemptedAt: date
            ),
            status: .delivered
        )
        switch outcome.status {
        case .delivered:
            entry.status = .delivered
        case .failed:
            entry.status = .failed
        case .deferred:
            let next = date.addingTimeInterval(outcome.stopsTheRun ? 0 : retry.delay(afterAttempts: edition.attempts))
            // From the edition's making, or from `gazette resend` queuing it again.
            let deadline = (edition.requeuedAt ?? edition.createdAt)
                .addingTimeInterval(TimeInterval(retry.deadlineHours) * 3_600)
            if next > deadline {
                entry.status = .failed
                entry.attempt.replyText =
                    "gave up after \(edition.attempts) attempts (delivery.retry.deadlineHours): \(outcome.detail)"
            } else {
                entry.status = .deferred
                entry.nextAttemptAt = next
            }
        }
        try store.finishAttemptBlocking(entry.attempt, status: entry.status, nextAttemptAt: entry.nextAttemptAt)
        return entry
    }

    /// After an attempt is on the ledger: logs it, suppresses an address refused for good
    /// twice, and reports it.
    private func settled(
        _ edition: Edition,
        entry: LedgerEntry,
        outcome: TransportOutcome
    ) async throws
        -> SendReport
    {
        let recipient = entry.attempt.recipient
        let detail = entry.attempt.replyText ?? outcome.detail
        logger.info(
            "delivery attempted",
            metadata: [
                "edition.id": "\(edition.id!)", "edition.period": "\(edition.period)",
                "delivery.status": "\(entry.status.rawValue)",
                "smtp.code": "\(outcome.replyCode.map(String.init) ?? "-")",
            ]
        )
        if outcome.status == .failed, try await store.failedEditionCount(recipient: recipient.value) >= 2 {
            try await store.suppress(
                recipient,
                reason: "refused for good twice; last: \(detail)",
                now: entry.attempt.attemptedAt
            )
        }
        let reportedStatus: Delivery.Status = entry.status == .failed ? .failed : outcome.status
        return SendReport(
            email: recipient,
            period: edition.period,
            articleCount: edition.articleIDs.count,
            outcome: .attempted(reportedStatus, replyCode: outcome.replyCode, detail: detail)
        )
    }
}

/// Spaces message starts at most `messagesPerSecond` apart (0: no limit).
struct Pacer {
    let interval: Duration?
    private var nextStart: ContinuousClock.Instant?

    init(messagesPerSecond: Double) {
        interval = messagesPerSecond > 0 ? .seconds(1 / messagesPerSecond) : nil
    }

    /// Books the next start at or after `now`; returns how long to wait for it.
    mutating func reserve(at now: ContinuousClock.Instant) -> Duration {
        guard let interval else { return .zero }
        let start = max(now, nextStart ?? now)
        nextStart = start + interval
        return start - now
    }

    mutating func wait() async throws {
        let delay = reserve(at: .now)
        if delay > .zero { try await Task.sleep(for: delay) }
    }
}
