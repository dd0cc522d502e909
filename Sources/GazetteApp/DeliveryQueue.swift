import Foundation
import GazetteCore
import GazetteStore

/// One attempt as the ledger holds it: the delivery row and the edition's new state.
struct LedgerEntry: Sendable {
    var attempt: Delivery
    var status: Edition.Status
    var nextAttemptAt: Date?
}

/// A leased edition waiting for a delivery worker.
struct DeliveryJob: Sendable {
    let edition: Edition
    let record: SubscriberRecord
    var domain: String { record.subscriber.email.domain }
}

/// The messages waiting for the delivery workers, one worker per connection, each on a thread
/// of its own. A worker takes the next message whose recipient domain has fewer than
/// `perDomain` in progress, spaced by the pacer, and blocks while there is none.
///
/// `finish()`: nothing more comes; the workers stop once the queue is empty. `halt()`: they
/// stop now, after the message in hand; what is left is for `drain()`.
final class DeliveryQueue<Job: Sendable>: @unchecked Sendable {
    // @unchecked: every field below is touched only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [(job: Job, domain: String)] = []
    private var inProgress: [String: Int] = [:]
    private var throttled: Set<String> = []
    private var finished = false
    private var halted = false
    private var pacer: Pacer
    private let perDomain: Int

    init(perDomain: Int, pacer: Pacer) {
        self.perDomain = max(1, perDomain)
        self.pacer = pacer
    }

    var count: Int { locked { jobs.count } }

    func push(_ job: Job, domain: String) {
        locked {
            jobs.append((job, domain))
            condition.broadcast()
        }
    }

    /// The next message for a worker, or nil when it should stop.
    func take() -> (job: Job, domain: String)? {
        condition.lock()
        while true {
            // Finished: stop once nothing is left that may still be taken.
            if halted || (finished && jobs.allSatisfy { throttled.contains($0.domain) }) {
                condition.unlock()
                return nil
            }
            if let index = jobs.firstIndex(where: {
                !throttled.contains($0.domain) && inProgress[$0.domain, default: 0] < perDomain
            }) {
                let job = jobs.remove(at: index)
                inProgress[job.domain, default: 0] += 1
                let wait = pacer.reserve(at: .now)
                condition.unlock()
                if wait > .zero {
                    Thread.sleep(
                        forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds)
                    )
                }
                return job
            }
            condition.wait()
        }
    }

    /// A worker is done with a message of `domain` (sent and recorded).
    func done(_ domain: String) {
        locked {
            inProgress[domain, default: 1] -= 1
            condition.broadcast()
        }
    }

    /// The domain asked to slow down: nothing more of it is taken; its waiting messages are
    /// handed back.
    func throttle(_ domain: String) -> [Job] {
        locked {
            throttled.insert(domain)
            let waiting = jobs.filter { $0.domain == domain }.map(\.job)
            jobs.removeAll { $0.domain == domain }
            condition.broadcast()
            return waiting
        }
    }

    func finish() {
        locked {
            finished = true
            condition.broadcast()
        }
    }

    func halt() {
        locked {
            halted = true
            condition.broadcast()
        }
    }

    /// What no worker took.
    func drain() -> [Job] {
        locked {
            defer { jobs = [] }
            return jobs.map(\.job)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}

/// One attempt being written to the ledger while its worker goes on to the next message.
final class PendingLedgerWrite: @unchecked Sendable {
    // @unchecked: `committed` is touched only with `condition` locked.
    private let condition = NSCondition()
    private var committed: Bool?

    func finish(committed: Bool) {
        condition.lock()
        self.committed = committed
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

    /// Queues the attempt; `report` hears the outcome before the returned write counts as done.
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
            for write in batch {
                write.report(written)
                write.done.finish(committed: (try? written.get()) != nil)
            }
        }
    }
}
