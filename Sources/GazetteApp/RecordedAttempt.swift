import Foundation
import GazetteCore
import Synchronization

/// One attempt as the ledger holds it: the delivery row and the edition's new state.
struct LedgerEntry: Sendable {
    var attempt: Delivery
    var status: Edition.Status
    var nextAttemptAt: Date?
}

/// Carries what the transport's thread wrote to the ledger (or the error that stopped it) back
/// to the task waiting for the message's outcome.
final class RecordedAttempt: Sendable {
    private let result = Mutex<Result<LedgerEntry, any Error>?>(nil)
    private let replied = Mutex<ContinuousClock.Instant?>(nil)

    /// When the transport had the final reply, before the ledger write.
    var repliedAt: ContinuousClock.Instant? { replied.withLock { $0 } }

    func finish(_ write: () throws -> LedgerEntry) {
        let now = ContinuousClock.now
        replied.withLock { $0 = now }
        let written = Result(catching: write)
        result.withLock { $0 = written }
    }

    func entry() throws -> LedgerEntry {
        guard let written = result.withLock({ $0 }) else {
            throw GazetteError("the transport returned without recording the attempt")
        }
        return try written.get()
    }
}
