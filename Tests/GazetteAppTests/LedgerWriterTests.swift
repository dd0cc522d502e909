import Foundation
import GazetteCore
import Synchronization
import Testing

@testable import GazetteApp

/// When the ledger writer commits the workers' rows: together when it can, at once when a
/// worker needs its row. Every wait is bounded: a wrong rule fails a case instead of hanging it.
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
        /// Waits for the next `count` reports; false if they did not all come within 30 s.
        func next(_ count: Int = 1) -> Bool {
            (0..<count).allSatisfy { _ in arrived.wait(timeout: .now() + 30) == .success }
        }
        var recorded: [Bool] { results.withLock { $0 } }
    }

    /// Whether `row` was written, waited for (as a worker does) on a thread of its own; nil
    /// if that wait did not end within 30 s.
    func waited(_ row: PendingLedgerWrite) -> Bool? {
        final class Outcome: Sendable { let written = Mutex<Bool?>(nil) }
        let outcome = Outcome()
        let ended = DispatchSemaphore(value: 0)
        Thread {
            let written = row.wait()
            outcome.written.withLock { $0 = written }
            ended.signal()
        }.start()
        guard ended.wait(timeout: .now() + 30) == .success else { return nil }
        return outcome.written.withLock { $0 }
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

    @Test(
        "the rule: rows wait until there are as many as busy workers, unless one is needed or the writer stops",
        arguments: [
            // (waiting, needed, stopped, workers, idle, due)
            (0, true, true, 1, 0, false),
            (1, false, false, 1, 0, true),
            (1, false, false, 4, 0, false),
            (3, false, false, 4, 0, false),
            (4, false, false, 4, 0, true),
            (2, false, false, 4, 2, true),
            (1, false, false, 4, 2, false),
            (1, true, false, 4, 0, true),
            (1, false, true, 4, 0, true),
            (1, false, false, 4, 4, true),
        ]
    )
    func rule(_ rule: (Int, Bool, Bool, Int, Int, Bool)) {
        let (waiting, needed, stopped, workers, idle, due) = rule
        #expect(
            LedgerWriter.isDue(waiting: waiting, needed: needed, stopped: stopped, workers: workers, idle: idle) == due
        )
    }

    @Test("two workers' rows go in one transaction, with nobody asking for them")
    func grouped() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 2, commit: transactions.commit)
        defer { writer.stop() }
        let reports = Reports()
        _ = writer.write(entry(1), report: reports.callback)
        _ = writer.write(entry(2), report: reports.callback)
        #expect(reports.next(2))
        // One transaction, both rows in it.
        #expect(transactions.recorded == [[1, 2]])
    }

    @Test("a row its worker waits for is committed at once, alone")
    func needed() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 4, commit: transactions.commit)
        defer { writer.stop() }
        let row = writer.write(entry(1)) { _ in }
        #expect(waited(row) == true)
        #expect(transactions.recorded == [[1]])
    }

    @Test("a worker going idle has its row committed; the others' rows then wait for fewer companions")
    func idleWorker() {
        let transactions = Transactions()
        let writer = LedgerWriter(workers: 3, commit: transactions.commit)
        defer { writer.stop() }
        let reports = Reports()
        let first = writer.write(entry(1), report: reports.callback)
        writer.workerIdle(leaving: first)
        #expect(reports.next())
        #expect(transactions.recorded == [[1]])
        // Two workers still sending: two rows make a transaction.
        _ = writer.write(entry(2), report: reports.callback)
        _ = writer.write(entry(3), report: reports.callback)
        #expect(reports.next(2))
        // Busy again: three.
        writer.workerBusy()
        for id in 4...6 { _ = writer.write(entry(Int64(id)), report: reports.callback) }
        #expect(reports.next(3))
        #expect(transactions.recorded == [[1], [2, 3], [4, 5, 6]])
    }

    @Test("stopping commits what waits; a failed commit fails every row in it")
    func stopAndFail() {
        let transactions = Transactions(failing: true)
        let writer = LedgerWriter(workers: 3, commit: transactions.commit)
        let reports = Reports()
        let first = writer.write(entry(1), report: reports.callback)
        let second = writer.write(entry(2), report: reports.callback)
        writer.stop()
        #expect(reports.next(2))
        #expect(waited(first) == false && waited(second) == false)
        #expect(transactions.recorded == [[1, 2]])
        #expect(reports.recorded == [false, false])
    }
}
