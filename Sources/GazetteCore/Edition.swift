import Foundation

/// One digest for one subscription and one period: rendered once, delivered once.
public struct Edition: Hashable, Sendable {
    public var id: Int64?
    public var subscriptionID: Int64
    /// The period it covers, e.g. "2026-11-29" for a daily digest; (subscription, period) is unique.
    public var period: String
    /// The Message-ID header of the rendered message, stable across retries.
    public var messageID: String
    public var articleIDs: [Int64]
    public var createdAt: Date

    public init(
        id: Int64? = nil,
        subscriptionID: Int64,
        period: String,
        messageID: String,
        articleIDs: [Int64],
        createdAt: Date
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.period = period
        self.messageID = messageID
        self.articleIDs = articleIDs
        self.createdAt = createdAt
    }
}

/// The outcome of one attempt to hand an edition to the mail system.
public struct Delivery: Hashable, Sendable {
    public enum Status: String, Sendable {
        /// Accepted by the SMTP server (2xx) or written to the outbox.
        case delivered
        /// Temporary failure (4xx, or no reply at all); may be retried.
        case deferred
        /// Permanent failure (5xx).
        case failed
    }

    public var id: Int64?
    public var editionID: Int64
    public var recipient: EmailAddress
    public var status: Status
    /// The SMTP reply code, 0 when there was no reply; nil for outbox deliveries.
    public var replyCode: Int?
    public var replyText: String?
    public var attemptedAt: Date

    public init(
        id: Int64? = nil,
        editionID: Int64,
        recipient: EmailAddress,
        status: Status,
        replyCode: Int?,
        replyText: String?,
        attemptedAt: Date
    ) {
        self.id = id
        self.editionID = editionID
        self.recipient = recipient
        self.status = status
        self.replyCode = replyCode
        self.replyText = replyText
        self.attemptedAt = attemptedAt
    }
}
