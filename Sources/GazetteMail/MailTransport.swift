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
    /// How many messages it can usefully take at the same time.
    var parallelism: Int { get }

    /// Hands `message` over, then calls `record` with the outcome before the connection (or the
    /// folder) takes another message, so an attempt is on the ledger before the next one starts.
    /// `record` may block: the SMTP transport calls it on the connection's own thread, off
    /// Swift's cooperative pool, which also saves two thread hops per message.
    func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        then record: @escaping @Sendable (TransportOutcome) -> Void
    ) async
        -> TransportOutcome
}

extension MailTransport {
    public var parallelism: Int { 1 }

    /// A message whose outcome nobody records (the confirmation email).
    public func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome
    {
        await deliver(message, messageID: messageID, from: from, to: to, then: { _ in })
    }
}
