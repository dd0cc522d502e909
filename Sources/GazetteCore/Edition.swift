import Foundation

/// One digest for one subscription and one period: rendered once, delivered once. It is also
/// the delivery ledger's entry for that message: queued → sending (leased for one attempt) →
/// delivered | deferred (until `nextAttemptAt`) | failed.
public struct Edition: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        /// Rendered and stored; no attempt yet.
        case queued
        /// Leased by a `send` run until `leaseUntil`; a run that died leaves it to expire.
        case sending
        case delivered
        /// A temporary failure; tried again from `nextAttemptAt` until the deadline.
        case deferred
        /// Refused for good, or out of time.
        case failed
    }

    public var id: Int64?
    public var subscriptionID: Int64
    /// The period it covers, e.g. "2026-11-29" for a daily digest; (subscription, period) is unique.
    public var period: String
    /// The Message-ID header of the rendered message, stable across retries.
    public var messageID: String
    public var articleIDs: [Int64]
    public var createdAt: Date
    /// The edition's public name, in `/archive/{key}` and the private feed: derived from the
    /// subscription and the period, and from the subscriber's secret token so that nobody can
    /// guess another reader's edition.
    public var key: String
    /// What was rendered and mailed, so that the archive page and the private feed show the
    /// same edition. `html` is nil for plain-text subscribers.
    public var subject: String
    public var html: String?
    public var text: String
    /// The address it goes to (kept here so the ledger reads on its own).
    public var recipient: String
    public var status: Status
    /// Attempts made so far.
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var leaseUntil: Date?
    public var lastReplyCode: Int?
    public var lastReplyText: String?
    /// When `gazette resend` queued it again: its delivery deadline counts from then.
    public var requeuedAt: Date?

    public init(
        id: Int64? = nil,
        subscriptionID: Int64,
        period: String,
        messageID: String,
        articleIDs: [Int64],
        createdAt: Date,
        key: String,
        subject: String = "",
        html: String? = nil,
        text: String = "",
        recipient: String = "",
        status: Status = .queued,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil,
        leaseUntil: Date? = nil,
        lastReplyCode: Int? = nil,
        lastReplyText: String? = nil,
        requeuedAt: Date? = nil
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.period = period
        self.messageID = messageID
        self.articleIDs = articleIDs
        self.createdAt = createdAt
        self.key = key
        self.subject = subject
        self.html = html
        self.text = text
        self.recipient = recipient
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.lastReplyCode = lastReplyCode
        self.lastReplyText = lastReplyText
        self.requeuedAt = requeuedAt
    }

    /// `2026-11-29-1a2b3c4d5e6f7a8b`: the period, readable, then a hash of the subscription,
    /// the period and the subscriber's token.
    public static func key(subscriptionID: Int64, period: String, token: String) -> String {
        "\(period)-" + StableHash.hex("\(token)|\(subscriptionID)|\(period)")
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
    /// The server's queue id from its 250 reply (`queued as 4F2A1`), when it gave one.
    public var queueID: String?
    public var attemptedAt: Date

    public init(
        id: Int64? = nil,
        editionID: Int64,
        recipient: EmailAddress,
        status: Status,
        replyCode: Int?,
        replyText: String?,
        queueID: String? = nil,
        attemptedAt: Date
    ) {
        self.id = id
        self.editionID = editionID
        self.recipient = recipient
        self.status = status
        self.replyCode = replyCode
        self.replyText = replyText
        self.queueID = queueID
        self.attemptedAt = attemptedAt
    }
}
