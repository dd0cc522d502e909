import Foundation
import GazetteCore
import GazetteStore

/// A leased edition waiting for a delivery worker. A class: the queue moves its entries on
/// each take, and an edition with its reader is a few hundred bytes.
final class DeliveryJob: Sendable {
    let edition: Edition
    let record: SubscriberRecord
    /// Built as it was queued; the worker signs it as it goes out.
    let message: [UInt8]
    var domain: String { record.subscriber.email.domain }

    init(edition: Edition, record: SubscriberRecord, message: [UInt8]) {
        self.edition = edition
        self.record = record
        self.message = message
    }
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

    /// The next message for a worker, or nil when it should stop. `idle` is called before the
    /// worker first blocks for one (or sleeps for the pacer), and then `busy` as it returns,
    /// with a message or with nil.
    func take(idle: () -> Void = {}, busy: () -> Void = {}) -> (job: Job, domain: String)? {
        var waited = false
        defer { if waited { busy() } }
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
                    if !waited {
                        waited = true
                        idle()
                    }
                    Thread.sleep(
                        forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds)
                    )
                }
                return job
            }
            if !waited {
                // Told without the lock, which the callee may need; then everything is looked at again.
                waited = true
                condition.unlock()
                idle()
                condition.lock()
                continue
            }
            condition.wait()
        }
    }

    /// A worker is done with a message of `domain`: its conversation is over (the ledger row
    /// may still be on its way).
    func done(_ domain: String) {
        locked {
            inProgress[domain, default: 1] -= 1
            condition.broadcast()
        }
    }

    /// A worker took `job` but will not send it (the run is stopping): it goes back to the
    /// front, for `drain()`.
    func giveBack(_ job: Job, domain: String) {
        locked {
            jobs.insert((job, domain), at: 0)
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
