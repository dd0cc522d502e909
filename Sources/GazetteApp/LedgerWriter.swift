import Foundation
import GazetteCore
import GazetteStore

/// One attempt as the ledger holds it: the delivery row and the edition's new state.
struct LedgerEntry: Sendable {
    var attempt: Delivery
    var status: Edition.Status
    var nextAttemptAt: Date?
}

/// One attempt being written to the ledger while its worker goes on to the next message.
final class PendingLedgerWrite: @unchecked Sendable {
    // @unchecked: `committed` and `reported` are touched only with `condition` locked.
    private let condition = NSCondition()
    private var committed: Bool?
    private var reported = false

    /// The transaction ended: the worker's next message may be handed over.
    func finish(committed: Bool) {
        condition.lock()
        self.committed = committed
        condition.broadcast()
        condition.unlock()
    }

    /// The run was told of the attempt.
    func finishReport() {
        condition.lock()
        reported = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the row is written; whether it was.
    func wait() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while committed == nil { condition.wait() }
        return committed!
    }

    /// Blocks until the run was told of the attempt: a worker's last report must not overtake it.
    func waitForReport() {
        condition.lock()
        defer { condition.unlock() }
        while !reported { condition.wait() }
    }
}

/// Writes the workers' attempts to the ledger on a thread of its own, all that came in since
/// the last commit in one transaction: with several connections one commit serves several
/// messages, and no worker waits for SQLite unless its next message is about to be accepted.
final class LedgerWriter: @unchecked Sendable {
    private typealias Write = (
        entry: LedgerEntry, done: PendingLedgerWrite, report: @Sendable (Result<Void, any Error>) -> Void
    )
    // @unchecked: `writes` and `stopped` are touched only with `condition` locked.
    private let condition = NSCondition()
    private var writes: [Write] = []
    private var stopped = false
    private let store: any EditionStore

    init(store: any EditionStore) {
        self.store = store
        let thread = Thread { [self] in run() }
        thread.name = "gazette.delivery.ledger"
        thread.start()
    }

    /// Queues the attempt. The returned write counts as committed as soon as the transaction
    /// ends, before `report` is called: a worker's next message does not wait for the report.
    func write(
        _ entry: LedgerEntry,
        report: @escaping @Sendable (Result<Void, any Error>) -> Void
    )
        -> PendingLedgerWrite
    {
        let done = PendingLedgerWrite()
        condition.lock()
        writes.append((entry, done, report))
        condition.signal()
        condition.unlock()
        return done
    }

    /// Ends the thread once what was queued is written.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while writes.isEmpty && !stopped { condition.wait() }
            let batch = writes
            writes = []
            condition.unlock()
            if batch.isEmpty { return }
            let written = Result {
                try store.finishAttemptsBlocking(
                    batch.map { ($0.entry.attempt, $0.entry.status, $0.entry.nextAttemptAt) }
                )
            }
            let committed = (try? written.get()) != nil
            for write in batch { write.done.finish(committed: committed) }
            for write in batch {
                write.report(written)
                write.done.finishReport()
            }
        }
    }
}
