import Curl
import Foundation
import GazetteCore

/// Delivery over SMTP through a few reused libcurl connections, one envelope per recipient,
/// with at most `perDomain` of them talking about one recipient domain at a time.
public struct SMTPTransport: MailTransport {
    private let connections: [SMTPConnection]
    private let pool: ConnectionPool
    public let parallelism: Int
    public let perDomain: Int

    public init(server: SMTPServer, connections: Int = 1, perDomain: Int = 2) {
        parallelism = max(1, connections)
        self.perDomain = max(1, perDomain)
        self.connections = (0..<parallelism).map { _ in SMTPConnection(server: server) }
        pool = ConnectionPool(connections: self.connections, perDomain: self.perDomain)
    }

    public func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome
    {
        let connection = await pool.acquire(domain: to.domain)
        let reply = await connection.send(from: from.value, to: to.value, message: message)
        await pool.release(connection, domain: to.domain)
        return Self.outcome(of: reply)
    }

    public func deliverBlocking(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        connection: Int,
        beforeHandover: @escaping () -> Bool
    ) -> TransportOutcome {
        // A message that `deliver` handed to the same connection (a confirmation email while a
        // send runs in the daemon) goes first: the connection's own queue keeps them in turn.
        let reply = connections[connection].sendBlocking(
            from: from.value,
            to: to.value,
            message: message,
            beforeEnd: beforeHandover
        )
        return Self.outcome(of: reply)
    }

    static func outcome(of reply: SMTPReply) -> TransportOutcome {
        TransportOutcome(
            status: status(of: reply),
            replyCode: reply.code,
            detail: reply.text,
            queueID: reply.queueID,
            throttled: reply.isThrottling,
            stopsTheRun: reply.stopsTheRun
        )
    }

    /// 2xx delivered; 5xx failed for good; 4xx or no reply at all: worth another try later.
    static func status(of reply: SMTPReply) -> Delivery.Status {
        if reply.isSuccess { return .delivered }
        if reply.isPermanentFailure && !reply.stopsTheRun { return .failed }
        return .deferred
    }
}

/// Hands out idle connections, waiting when all are busy or when the recipient's domain
/// already has its share of them.
actor ConnectionPool {
    private var idle: [SMTPConnection]
    private var busyByDomain: [String: Int] = [:]
    private var waiting: [(domain: String, continuation: CheckedContinuation<SMTPConnection, Never>)] = []
    private let perDomain: Int

    init(connections: [SMTPConnection], perDomain: Int) {
        idle = connections
        self.perDomain = perDomain
    }

    func acquire(domain: String) async -> SMTPConnection {
        if !idle.isEmpty, busyByDomain[domain, default: 0] < perDomain {
            busyByDomain[domain, default: 0] += 1
            return idle.removeLast()
        }
        return await withCheckedContinuation { waiting.append((domain, $0)) }
    }

    func release(_ connection: SMTPConnection, domain: String) {
        busyByDomain[domain, default: 1] -= 1
        // The first waiter whose domain has room gets the connection.
        if let index = waiting.firstIndex(where: { busyByDomain[$0.domain, default: 0] < perDomain }) {
            let waiter = waiting.remove(at: index)
            busyByDomain[waiter.domain, default: 0] += 1
            waiter.continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }
}
