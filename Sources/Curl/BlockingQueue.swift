import Dispatch
import Foundation

/// Runs blocking work (libcurl transfers, a large feed's parse) off Swift's cooperative pool,
/// which has only as many threads as cores, and resumes the caller when it finishes.
public enum BlockingQueue {
    /// On a thread of its own. Not on a concurrent Dispatch queue: its pool starts a thread per
    /// core and adds more only slowly when they block, so a few slow servers would hold up
    /// every other transfer, timeouts included.
    public static func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "gazette.curl.transfer"
            thread.start()
        }
    }

    /// On `queue` (a connection's serial queue, so its transfers go one at a time).
    static func run<Result: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () -> Result) async -> Result
    {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
