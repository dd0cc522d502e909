import Foundation
import GazetteCore
import Synchronization
import Testing

@testable import GazetteApp

/// When the ledger writer commits the workers' rows: together when it can, at once when a
/// worker needs its row. Each case would hang on a wrong rule; the semaphores bound that.
@Suite("Ledger writer")
struct LedgerWriterTests {
    /// The rows of each transaction, by edition id; `failing` makes every commit throw.
    final class Transactions: Sendable {
        let batches = Mutex<[[Int64]]>([])
        let failing: Bool
        init(failing: Bool = false) { self.failing = failing }
        func commit(_ entries: [LedgerEntry]) throws {
            batches.withLock { $0.append(entries.map(\.attempt.editionID)) }
            if failing { throw CancellationError() }
        }
        var recorded: [[Int64]] { batches.withLock { $0 } }
    }

    func entry(_ editionID: Int64) -> LedgerEntry {
        LedgerEntry(
            attempt: Delivery(
                editionID: editionID,
                recipient: EmailAddress("reader@example.org")!,
                status: .delivered,
                replyCode: 250,
                replyText: "ok",
                attemptedAt: Date(timeIntervalSince1970: 1_795_900_000)
            ),
            status: .delivered
        )
    }

    /// What the writer reported, in order: whether each row was written.
    final class Reports: Sendable {
        let results = Mutex<[Bool]>([])
        let arrived = DispatchSemaphore(value: 0)
        var callback: @Sendable (Result<Void, any Error>) -> Void {
            { result in
                self.results.withLock { $0.append((try? result.get()) != nil) }
                self.arrived.signal()
            }
        }
        /// Waits for the next report; false if none came in 30 s (the writer is stuck).
        func next() -> Bool { arrived.wait(timeout: .now() + 30) == .success }
        var recorded: [Bool] { results.withLock { $0 } }
    }

    @Test("two workers' rows go in one transaction: the first waits for the second")
    func grouped() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 2, commit: transactions.commit)
        defer { writer.stop() }
        let first = writer.write(entry(1)) { _ in }
        let second = writer.write(entry(2)) { _ in }
        #expect(first.wait() && second.wait())
        #expect(transactions.recorded == [[1, 2]])
        #expect(writer.transactions == 1)
    }

    @Test("a row its worker waits for is committed at once, alone")
    func needed() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 4, commit: transactions.commit)
        defer { writer.stop() }
        let row = writer.write(entry(1)) { _ in }
        #expect(row.wait())
        #expect(transactions.recorded == [[1]])
    }

    @Test("a row whose worker waits for work is committed without being asked for")
    func idleWorker() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 2, commit: transactions.commit)
        defer { writer.stop() }
        let reports = Reports()
        _ = writer.write(entry(1), report: reports.callback)
        // The other worker has nothing to do: no second row is coming.
        writer.workerIdle()
        #expect(reports.next())
        #expect(transactions.recorded == [[1]])
        // Busy again: the next row waits for company as before.
        writer.workerBusy()
        let third = writer.write(entry(3)) { _ in }
        let fourth = writer.write(entry(4)) { _ in }
        #expect(third.wait() && fourth.wait())
        #expect(transactions.recorded == [[1], [3, 4]])
    }

    @Test("stopping commits what waits; a failed commit fails every row in it")
    func stopAndFail() {
        let transactions = Transactions(failing: true)
        let writer = LedgerWriter(workers: 3, commit: transactions.commit)
        let reports = Reports()
        let first = writer.write(entry(1), report: reports.callback)
        let second = writer.write(entry(2), report: reports.callback)
        writer.stop()
        #expect(reports.next() && reports.next())
        #expect(!first.wait() && !second.wait())
        #expect(transactions.recorded == [[1, 2]])
        #expect(reports.recorded == [false, false])
    }
}
