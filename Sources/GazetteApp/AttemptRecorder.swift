import Foundation
import GazetteCore
import GazetteStore

/// Writes delivery attempts to the ledger with group commit: attempts that end while a write
/// is in progress go into the next transaction together. Each caller resumes only once its
/// attempt is committed, so a connection never starts its next message with the last one
/// unrecorded, and one SQLite writer keeps up with many connections.
actor AttemptRecorder {
    typealias Attempt = (attempt: Delivery, status: Edition.Status, nextAttemptAt: Date?)

    private let store: any EditionStore
    private var pending: [(Attempt, CheckedContinuation<Void, any Error>)] = []
    private var writing = false

    init(store: any EditionStore) {
        self.store = store
    }

    func record(_ attempt: Attempt) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((attempt, continuation))
            if !writing {
                writing = true
                Task { await writeAll() }
            }
        }
    }

    private func writeAll() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                try await store.finishAttempts(batch.map(\.0))
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}
