import Foundation

/// A person who receives digests, identified by their email address.
public struct Subscriber: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        /// Signed up by web form, not yet confirmed (double opt-in).
        case pending
        case active
        case unsubscribed
    }

    public var id: Int64?
    public var email: EmailAddress
    public var status: Status
    /// A random secret that authorises the unsubscribe link for this subscriber.
    public var token: String
    public var createdAt: Date
    /// When the reader paused the digest from their settings page (status `unsubscribed`):
    /// saving their settings resumes it. Nil after an unsubscribe, which only a new sign-up,
    /// confirmed again, undoes: an old settings link in a forwarded digest must not.
    public var pausedAt: Date?

    public init(
        id: Int64? = nil,
        email: EmailAddress,
        status: Status,
        token: String,
        createdAt: Date,
        pausedAt: Date? = nil
    ) {
        self.id = id
        self.email = email
        self.status = status
        self.token = token
        self.createdAt = createdAt
        self.pausedAt = pausedAt
    }

    /// Unsubscribed by a pause from the settings page, which those settings may resume.
    public var isPaused: Bool { status == .unsubscribed && pausedAt != nil }
}

/// What a subscriber wants to receive, and when.
public struct Subscription: Hashable, Sendable {
    public enum Frequency: String, Sendable, CaseIterable {
        case daily
        /// Once a week, on `weekday`.
        case weekly
        /// Monday to Friday.
        case weekdays
    }

    public enum Format: String, Sendable, CaseIterable {
        /// multipart/alternative with a text and an HTML part.
        case html
        /// text/plain only.
        case text
    }

    public var id: Int64?
    public var subscriberID: Int64
    public var countries: [Country]
    /// Empty means every topic.
    public var topics: [Topic]
    public var frequency: Frequency
    /// The local hour (0–23) at which the digest is due.
    public var sendHour: Int
    /// For weekly digests: 1 Monday … 7 Sunday (ISO 8601).
    public var weekday: Int
    public var timeZone: TimeZone
    public var format: Format

    public init(
        id: Int64? = nil,
        subscriberID: Int64,
        countries: [Country],
        topics: [Topic] = [],
        frequency: Frequency = .daily,
        sendHour: Int = 7,
        weekday: Int = 1,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        format: Format = .html
    ) {
        self.id = id
        self.subscriberID = subscriberID
        self.countries = countries
        self.topics = topics
        self.frequency = frequency
        self.sendHour = sendHour
        self.weekday = weekday
        self.timeZone = timeZone
        self.format = format
    }
}
