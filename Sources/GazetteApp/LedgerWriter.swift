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
    private let writer: LedgerWriter

    fileprivate init(writer: LedgerWriter) {
        self.writer = writer
    }

    /// The transaction ended: the worker's next message may be handed over.
    fileprivate func finish(committed: Bool) {
        condition.lock()
        self.committed = committed
        condition.broadcast()
        condition.unlock()
    }

    /// The run was told of the attempt.
    fileprivate func finishReport() {
        condition.lock()
        reported = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the row is written, committing it now if it still waits for company;
    /// whether it was written.
    func wait() -> Bool {
        condition.lock()
        if let committed {
            condition.unlock()
            return committed
        }
        condition.unlock()
        writer.commitNow(self)
        condition.lock()
        defer { condition.unlock() }
        while committed == nil { condition.wait() }
        return committed!
    }

    /// Blocks until the run was told of the attempt: a worker's last report must not overtake it.
    func waitForReport() {
        _ = wait()
        condition.lock()
        defer { condition.unlock() }
        while !reported { condition.wait() }
    }
}

/// Writes the workers' attempts to the ledger on a thread of its own, several in one
/// transaction. A transaction costs more than the two statements of a row (BEGIN, the WAL
/// frames, COMMIT), so a row waits for company: the rows waiting are committed once there are
/// as many as workers still sending, or as soon as a worker needs its own, that is at its
/// next message's final ".", when its conversation ended without one, when it is about to
/// wait for work, or when it stops. With four connections that halves the transactions of a
/// run; with one, every row goes at once, while its worker starts the next message.
final class LedgerWriter: @unchecked Sendable {
    private typealias Write = (
        entry: LedgerEntry, done: PendingLedgerWrite, report: @Sendable (Result<Void, any Error>) -> Void
    )
    // @unchecked: every `var` below is touched only with `condition` locked.
    private let condition = NSCondition()
    private var writes: [Write] = []
    /// A worker needs a row in `writes`.
    private var needed = false
    /// Workers waiting for work (or stopped): no row of theirs is coming.
    private var idle = 0
    private var stopped = false
    private let workers: Int
    private let commit: @Sendable ([LedgerEntry]) throws -> Void

    /// - Parameters:
    ///   - workers: how many workers write; each has at most one row uncommitted.
    ///   - commit: writes the rows in one transaction, on the writer's thread.
    init(workers: Int, commit: @escaping @Sendable ([LedgerEntry]) throws -> Void) {
        self.workers = max(1, workers)
        self.commit = commit
        let thread = Thread { [self] in run() }
        thread.name = "gazette.delivery.ledger"
        thread.start()
    }

    /// Writes through `store`, all the rows of a commit in one transaction.
    convenience init(store: any EditionStore, workers: Int) {
        self.init(workers: workers) { entries in
            try store.finishAttemptsBlocking(entries.map { ($0.attempt, $0.status, $0.nextAttemptAt) })
        }
    }

    /// Queues the attempt. The returned write counts as committed as soon as the transaction
    /// ends, before `report` is called: a worker's next message does not wait for the report.
    func write(
        _ entry: LedgerEntry,
        report: @escaping @Sendable (Result<Void, any Error>) -> Void
    )
        -> PendingLedgerWrite
    {
        let done = PendingLedgerWrite(writer: self)
        locked { writes.append((entry, done, report)) }
        return done
    }

    /// A worker is about to wait for work, or has stopped: `row`, its last, is committed now
    /// (the run may be waiting for its report before it queues more), and no row of its own
    /// is coming.
    func workerIdle(leaving row: PendingLedgerWrite?) {
        locked {
            idle += 1
            if let row { markNeeded(row) }
        }
    }

    /// A worker that waited has a message again.
    func workerBusy() {
        locked { idle -= 1 }
    }

    /// Ends the thread once what was queued is written.
    func stop() {
        locked { stopped = true }
    }

    fileprivate func commitNow(_ write: PendingLedgerWrite) {
        locked { markNeeded(write) }
    }

    private func markNeeded(_ write: PendingLedgerWrite) {
        // Not there: the row is in the transaction under way, or written.
        if writes.contains(where: { $0.done === write }) { needed = true }
    }

    /// Whether `waiting` rows should be committed now: a worker needs one, the writer is
    /// stopping, or every worker still sending has one waiting (each has at most one).
    static func isDue(waiting: Int, needed: Bool, stopped: Bool, workers: Int, idle: Int) -> Bool {
        waiting > 0 && (needed || stopped || waiting >= workers - idle)
    }

    private var due: Bool {
        Self.isDue(waiting: writes.count, needed: needed, stopped: stopped, workers: workers, idle: idle)
    }

    private func run() {
        while true {
            condition.lock()
            while !due && !(stopped && writes.isEmpty) { condition.wait() }
            let batch = writes
            writes = []
            needed = false
            condition.unlock()
            if batch.isEmpty { return }
            let written = Result { try commit(batch.map(\.entry)) }
            let committed = (try? written.get()) != nil
            for write in batch { write.done.finish(committed: committed) }
            for write in batch {
                write.report(written)
                write.done.finishReport()
            }
        }
    }

    /// Runs `body` with the lock held, then wakes the writer's thread if the change made the
    /// rows due (or the writer may end): waking it for nothing costs a thread switch a row.
    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer {
            if due || (stopped && writes.isEmpty) { condition.signal() }
            condition.unlock()
        }
        return body()
    }
}
