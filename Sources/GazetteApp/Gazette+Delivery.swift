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
        // Eight a connection at first, so that a short run leases little more than it sends;
        // twice as many each time after, up to 64 a connection, so that a long run spends few
        // transactions on leasing (and on reading its readers again, once a batch).
        var batchSize = transport.parallelism * 8
        func leaseBatch() async throws -> [Edition] {
            defer { batchSize = min(batchSize * 2, transport.parallelism * 64) }
            return try await store.leaseDueEditions(
                now: runStart,
                leaseUntil: now().addingTimeInterval(Self.lease),
                limit: batchSize
            )
        }
        let batch = try await leaseBatch()
        // Nothing due, the daemon's usual minute: no subscriber list is read, no key file opened.
        guard !batch.isEmpty else { return [] }
        // Read again with each batch: a run can last hours, and who unsubscribed or paused
        // meanwhile gets nothing more.
        var records: [Int64: SubscriberRecord] = [:]
        func readReaders(of batch: [Edition]) async throws {
            let subscriptionIDs = batch.map(\.subscriptionID)
            for id in subscriptionIDs { records[id] = nil }
            for record in try await store.subscribers(subscriptionIDs: subscriptionIDs) {
                if let id = record.subscription.id { records[id] = record }
            }
        }
        let suppressed: [String: String]
        let signers: [DKIMSigner]
        do {
            try await readReaders(of: batch)
            suppressed = Dictionary(
                try await store.suppressions().map { ($0.email, $0.reason) },
                uniquingKeysWith: { first, _ in first }
            )
            signers = try configuration.delivery.dkim.map { try DKIMSigner($0) }
        } catch {
            await giveBack(batch)
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
            do {
                try await readReaders(of: batch)
            } catch {
                // Leased, but the run stops before any of it is queued: nothing else gives it back.
                await giveBack(batch)
                throw error
            }
            return batch
        }
        seen.formUnion(batch.compactMap(\.id))
        let (reports, halt) = try await deliver(
            batch,
            nextBatch: nextBatch,
            transport: transport,
            record: { records[$0] },
            suppressed: suppressed,
            signers: signers,
            stopWhen: stopWhen,
            progress: progress
        )
        progress?(reports.count)
        if let halt, halt.isError { throw GazetteError(halt.reason) }
        return reports
    }

    /// Editions leased but not tried go back to the queue, no attempt counted. In a task of
    /// its own, which no cancellation reaches: the store refuses a cancelled task's writes, and
    /// the editions would wait, leased, for the next run to reclaim them. A store that fails
    /// here leaves them to that reclaim too.
    private func giveBack(_ editions: [Edition]) async {
        await Task { [store] in
            for edition in editions { try? await store.releaseEdition(id: edition.id!, notBefore: nil) }
        }.value
    }

    /// What a delivery worker reports to the run.
    private enum WorkerEvent: Sendable {
        /// Sent (or tried) and on the ledger. `handedBack`: messages of a domain that asked to
        /// slow down, taken out of the queue untried.
        case attempted(DeliveryJob, TransportOutcome, LedgerEntry, handedBack: [DeliveryJob])
        /// Signing or recording failed: the run stops with this error.
        case failed(any Error)
        case stopped
    }

    /// Delivers the leased editions, and more as `nextBatch` leases them, through one worker
    /// per connection. A worker runs on a thread of its own: it signs and sends a message,
    /// hands the attempt to the ledger writer and takes the next one; that next message's final
    /// "." waits for the row, so a crash repeats at most one message per connection.
    /// This task leases, builds and queues messages ahead of the workers, reports, and decides
    /// when the run stops; what was not tried then goes back untouched.
    private func deliver(
        _ firstBatch: [Edition],
        nextBatch: () async throws -> [Edition]?,
        transport: any MailTransport,
        record: (Int64) -> SubscriberRecord?,
        suppressed: [String: String],
        signers: [DKIMSigner],
        stopWhen: @escaping @Sendable () -> Bool,
        progress: (@Sendable (Int) -> Void)?
    ) async throws -> (reports: [SendReport], halt: (reason: String, isError: Bool)?) {
        var editions = firstBatch
        var reports: [SendReport] = []
        var halt: (reason: String, isError: Bool)?
        var throttledDomains: [String: String] = [:]
        var next = 0
        var leasedAll = false
        let queue = DeliveryQueue<DeliveryJob>(
            perDomain: transport.perDomain,
            pacer: Pacer(messagesPerSecond: configuration.delivery.smtp?.messagesPerSecond ?? 0)
        )
        // Each connection's worker finds a few dozen messages waiting, so that leasing the next
        // batch and reading its readers happen while the workers send; this task hears from
        // them once for every batch of reports, or sooner when the queue runs below half.
        let queueDepth = 32 * transport.parallelism
        let mailbox = WorkerMailbox<WorkerEvent>(batchSize: 16)
        let ledger = LedgerWriter(store: store, workers: transport.parallelism)
        defer { ledger.stop() }
        let workers = DispatchGroup()
        for connection in 0..<transport.parallelism {
            workers.enter()
            let worker = Thread { [self] in
                defer { workers.leave() }
                work(
                    connection: connection,
                    queue: queue,
                    ledger: ledger,
                    transport: transport,
                    signers: signers,
                    refillBelow: queueDepth / 2,
                    stopWhen: stopWhen,
                    mailbox: mailbox
                )
            }
            worker.name = "gazette.delivery.\(connection)"
            worker.start()
        }
        func report(_ edition: Edition, _ outcome: SendReport.Outcome) {
            reports.append(
                SendReport(
                    email: EmailAddress(edition.recipient) ?? Self.demoReader,
                    period: edition.period,
                    articleCount: edition.articleIDs.count,
                    outcome: outcome
                )
            )
        }
        func postpone(_ job: DeliveryJob, reason: String) async throws {
            let wait = TimeInterval(configuration.delivery.retry.initialDelaySeconds)
            try await store.releaseEdition(id: job.edition.id!, notBefore: now().addingTimeInterval(wait))
            report(job.edition, .postponed(reason))
        }
        func refill() async throws {
            while halt == nil, queue.count < queueDepth {
                // Before leasing: a stopping run leases nothing more only to give it back.
                if stopWhen() {
                    halt = ("shutting down; the rest goes out on the next run", false)
                    break
                }
                if next == editions.count {
                    progress?(reports.count)
                    guard !leasedAll, let batch = try await nextBatch() else {
                        leasedAll = true
                        break
                    }
                    // What was taken is the workers' now: kept here, every message of a long
                    // run (tens of KB each) would stay in memory until its end.
                    editions = batch
                    next = 0
                }
                let edition = editions[next]
                next += 1
                // Unsubscribed or suppressed since it was queued, or nothing was rendered: it is not
                // sent, and the ledger says why.
                guard let record = record(edition.subscriptionID), record.subscriber.status == .active,
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
                        edition,
                        suppressed[edition.recipient].map { .suppressed($0) } ?? .failedBefore("not sent: \(why)")
                    )
                    continue
                }
                // Built here, a batch at a time between reports, so that a worker's thread only
                // signs and sends: that took a fifth off each message's time with one connection.
                // Signing stays with the workers: an RSA signature costs a millisecond, and
                // there it is spread over the connections.
                let job = DeliveryJob(
                    edition: edition,
                    record: record,
                    message: message(of: edition, for: record).bytes()
                )
                // The recipient's domain asked to slow down: its mail waits for the next run.
                if let reason = throttledDomains[job.domain] {
                    try await postpone(job, reason: reason)
                    continue
                }
                queue.push(job, domain: job.domain)
            }
            if halt != nil {
                queue.halt()
            } else if leasedAll, next == editions.count {
                queue.finish()
            }
        }
        var failure: (any Error)?
        do {
            try await refill()
        } catch {
            failure = error
            queue.halt()
        }
        var running = transport.parallelism
        for await batch in mailbox.batches {
            for event in batch {
                do {
                    switch event {
                    case .stopped:
                        running -= 1
                        if running == 0 { mailbox.finish() }
                    case .failed(let error):
                        if failure == nil { failure = error }
                        queue.halt()
                    case .attempted(let job, let outcome, let entry, let handedBack):
                        reports.append(try await settled(job.edition, entry: entry, outcome: outcome))
                        let recipient = job.record.subscriber.email
                        if outcome.stopsTheRun, halt == nil {
                            halt = (
                                "delivery stopped: \(outcome.detail); fix the SMTP settings and run send again", true
                            )
                        } else if outcome.throttled, outcome.replyCode == 421, halt == nil {
                            // 421: the server itself is closing or unavailable.
                            halt = (
                                "the server asked to slow down (\(outcome.detail)); the rest waits for the next run",
                                false
                            )
                        } else if outcome.throttled, outcome.replyCode != 421 {
                            // 451 4.7.x or 454 for one recipient: that domain's limits, not the server's.
                            let reason =
                                "\(recipient.domain) asked to slow down (\(outcome.detail)); its mail waits for the next run"
                            throttledDomains[recipient.domain] = reason
                            // Again here: this task may have queued more of that domain before it heard.
                            for waiting in handedBack + queue.throttle(recipient.domain) {
                                try await postpone(waiting, reason: reason)
                            }
                        }
                    }
                } catch {
                    if failure == nil { failure = error }
                    queue.halt()
                }
            }
            do {
                if failure == nil, running > 0 { try await refill() }
            } catch {
                failure = error
                queue.halt()
            }
        }
        // A cancelled task leaves the loop above while workers may still be sending. Halted,
        // they start nothing more (none waits forever for a queue nobody fills), and the run
        // waits for the message each may still be sending: its attempt is on the ledger before
        // the ledger stops.
        if running > 0 {
            queue.halt()
            await withCheckedContinuation { continuation in
                workers.notify(queue: .global()) { continuation.resume() }
            }
        }
        // The workers stopped before the queue was empty because the run is stopping.
        if halt == nil, failure == nil, stopWhen() {
            halt = ("shutting down; the rest goes out on the next run", false)
        }
        // What was leased but not tried goes back untouched: no attempt counted.
        let untried = Array(queue.drain().map(\.edition) + editions[next...])
        await giveBack(untried)
        if failure == nil {
            for edition in untried { report(edition, .postponed(halt?.reason ?? "run stopped")) }
        }
        if let failure { throw failure }
        return (reports, halt)
    }

    /// A delivery worker: takes messages from the queue until it says stop, and signs and sends
    /// each one over its own connection. The attempt goes to the ledger writer while the next
    /// message's conversation begins; that message's final "." waits for the row, so a crash
    /// still repeats at most one message per connection. Once `stopWhen` says so, it starts no
    /// other message. Attempts are reported a few at a time; at once when fewer than
    /// `refillBelow` messages are left waiting, or when the run must act on one.
    private func work(
        connection: Int,
        queue: DeliveryQueue<DeliveryJob>,
        ledger: LedgerWriter,
        transport: any MailTransport,
        signers: [DKIMSigner],
        refillBelow: Int,
        stopWhen: @Sendable () -> Bool,
        mailbox: WorkerMailbox<WorkerEvent>
    ) {
        var pending: PendingLedgerWrite?
        defer {
            // The last attempt is reported before the worker says it stopped.
            ledger.workerIdle(leaving: pending)
            pending?.waitForReport()
            mailbox.post(.stopped, urgent: true)
        }
        let from = configuration.delivery.from.address
        // Before this worker waits for work its last row is committed: the run may be waiting
        // for that row's report to queue more.
        while let (job, domain) = queue.take(idle: { ledger.workerIdle(leaving: pending) }, busy: ledger.workerBusy) {
            // Asked once the message is in hand: waiting for it (or for the pacer) may have
            // outlasted a stop. What is given back goes back to the store untried.
            if stopWhen() {
                queue.giveBack(job, domain: domain)
                queue.halt()
                break
            }
            let message: [UInt8]
            do {
                message = try Self.signed(job.message, by: signers, at: now())
            } catch {
                queue.giveBack(job, domain: domain)
                queue.halt()
                mailbox.post(.failed(error), urgent: true)
                break
            }
            let previous = pending
            let started = ContinuousClock.now
            let outcome = transport.deliverBlocking(
                message,
                messageID: job.edition.messageID,
                from: from,
                to: job.record.subscriber.email,
                connection: connection,
                beforeHandover: { previous?.wait() ?? true }
            )
            // The previous row goes in first. If it could not be written the run is stopping,
            // and this message, abandoned before its final "." (the handover waits for that
            // row), goes back untried.
            guard previous?.wait() ?? true else {
                queue.giveBack(job, domain: domain)
                break
            }
            metrics.delivery(outcome.status, took: ContinuousClock.now - started)
            queue.done(domain)
            if outcome.stopsTheRun || (outcome.throttled && outcome.replyCode == 421) { queue.halt() }
            let handedBack = outcome.throttled && outcome.replyCode != 421 ? queue.throttle(domain) : []
            let entry = ledgerEntry(outcome, of: job.edition, to: job.record.subscriber.email)
            pending = ledger.write(entry) { written in
                switch written {
                case .success:
                    // Anything but a plain delivery may stop the run, postpone a domain or
                    // suppress an address: the run hears of it at once.
                    let urgent =
                        outcome.status != .delivered || outcome.throttled || queue.count < refillBelow
                    mailbox.post(.attempted(job, outcome, entry, handedBack: handedBack), urgent: urgent)
                case .failure(let error):
                    queue.halt()
                    mailbox.post(.failed(error), urgent: true)
                }
            }
        }
    }

    /// The message as it goes out: its bytes with a DKIM signature from each of `signers`.
    static func signed(_ message: MailMessage, by signers: [DKIMSigner], at date: Date) throws -> [UInt8] {
        try signed(message.bytes(), by: signers, at: date)
    }

    /// A message's bytes with a DKIM signature from each of `signers`.
    static func signed(_ bytes: [UInt8], by signers: [DKIMSigner], at date: Date) throws -> [UInt8] {
        try signers.reduce(bytes) { bytes, signer in try signer.sign(bytes, at: date) }
    }

    /// What an attempt writes to the ledger: the delivery row, and the edition moved on to
    /// delivered, failed, or deferred with Postfix-style backoff until the deadline.
    private func ledgerEntry(
        _ outcome: TransportOutcome,
        of edition: Edition,
        to recipient: EmailAddress
    ) -> LedgerEntry {
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
            status: outcome.status == .delivered ? .delivered : .failed
        )
        switch outcome.status {
        case .delivered, .failed:
            break
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

}
