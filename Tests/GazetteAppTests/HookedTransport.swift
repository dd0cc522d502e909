import Foundation
import GazetteCore
import GazetteMail
import Synchronization

/// A real SMTP transport that lets a test act in the meantime of a run, on the delivery
/// worker's thread: `before(n)` runs (and is waited for) before the n-th message (from 1)
/// goes out, `after(n)` once it has been sent.
final class HookedTransport: MailTransport, Sendable {
    let inner: SMTPTransport
    private let before: @Sendable (Int) async throws -> Void
    private let after: @Sendable (Int) -> Void
    private let started = Mutex(0)
    private let sent = Mutex(0)
    var parallelism: Int { inner.parallelism }
    var perDomain: Int { inner.perDomain }

    init(
        inner: SMTPTransport,
        before: @escaping @Sendable (Int) async throws -> Void = { _ in },
        after: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.inner = inner
        self.before = before
        self.after = after
    }

    func deliver(_ message: [UInt8], messageID: String, from: EmailAddress, to: EmailAddress) async -> TransportOutcome
    {
        await inner.deliver(message, messageID: messageID, from: from, to: to)
    }

    func deliverBlocking(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        connection: Int,
        beforeHandover: @escaping () -> Bool
    ) -> TransportOutcome {
        let number = started.withLock { count in
            count += 1
            return count
        }
        // The worker's thread may block; the action runs as a task of its own meanwhile.
        let done = DispatchSemaphore(value: 0)
        Task { [before] in
            try? await before(number)
            done.signal()
        }
        done.wait()
        let outcome = inner.deliverBlocking(
            message,
            messageID: messageID,
            from: from,
            to: to,
            connection: connection,
            beforeHandover: beforeHandover
        )
        after(
            sent.withLock { count in
                count += 1
                return count
            }
        )
        return outcome
    }
}
