import GazetteCore

/// What became of one message handed to a transport.
public struct TransportOutcome: Hashable, Sendable {
    public var status: Delivery.Status
    /// The SMTP reply code (0: no reply); nil for the outbox.
    public var replyCode: Int?
    /// The server's reply line, or where the outbox put the file.
    public var detail: String
    /// The server's queue id, from its 250 reply.
    public var queueID: String?
    /// The server asked to slow down (421, 454, 4.7.x): send it nothing more this run.
    public var throttled: Bool
    /// Authentication or TLS failed: nothing will get through until the operator acts.
    public var stopsTheRun: Bool

    public init(
        status: Delivery.Status,
        replyCode: Int?,
        detail: String,
        queueID: String? = nil,
        throttled: Bool = false,
        stopsTheRun: Bool = false
    ) {
        self.status = status
        self.replyCode = replyCode
        self.detail = detail
        self.queueID = queueID
        self.throttled = throttled
        self.stopsTheRun = stopsTheRun
    }
}

/// Hands rendered messages to the mail system. `message` has CRLF line ends.
public protocol MailTransport: Sendable {
    /// How many messages it can usefully take at the same time: its connections.
    var parallelism: Int { get }
    /// How many of them may carry mail for one recipient domain at a time.
    var perDomain: Int { get }

    /// One message, from any task (the confirmation email).
    func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome

    /// One message over connection `connection` (0..<parallelism), blocking the calling
    /// thread: for a delivery worker, a thread of its own per connection that sends, records
    /// and takes the next message without handing anything to another thread.
    /// - Parameter beforeHandover: asked once, as the message is written and before it is
    ///   handed over for good (before SMTP's final "."; the outbox's rename); false abandons it. The
    ///   worker waits there for the previous message's ledger row.
    func deliverBlocking(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        connection: Int,
        beforeHandover: @escaping () -> Bool
    ) -> TransportOutcome
}

extension MailTransport {
    public var parallelism: Int { 1 }
    public var perDomain: Int { parallelism }
}
