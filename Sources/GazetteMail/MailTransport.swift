import GazetteCore

/// What became of one message handed to a transport.
public struct TransportOutcome: Hashable, Sendable {
    public var status: Delivery.Status
    /// The SMTP reply code (0: no reply); nil for the outbox.
    public var replyCode: Int?
    /// The server's reply line, or where the outbox put the file.
    public var detail: String

    public init(status: Delivery.Status, replyCode: Int?, detail: String) {
        self.status = status
        self.replyCode = replyCode
        self.detail = detail
    }
}

/// Hands rendered messages to the mail system. `message` has CRLF line ends.
public protocol MailTransport: Sendable {
    func deliver(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress
    ) async
        -> TransportOutcome
}
