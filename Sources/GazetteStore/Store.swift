import Foundation
import GazetteCore

/// The HTTP validators and health of one feed URL, as remembered between fetches.
public struct FeedState: Hashable, Sendable {
    public var url: String
    public var sourceID: String
    public var etag: String?
    public var lastModified: String?
    public var lastFetchedAt: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var consecutiveFailures: Int
    /// Not fetched before this instant (backoff after failures, or the server's Retry-After).
    public var nextAttemptAt: Date?
    /// Set after too many failures in a row; only a manual retry fetches the feed again.
    public var disabled: Bool

    public init(
        url: String,
        sourceID: String,
        etag: String? = nil,
        lastModified: String? = nil,
        lastFetchedAt: Date? = nil,
        lastSuccessAt: Date? = nil,
        lastError: String? = nil,
        consecutiveFailures: Int = 0,
        nextAttemptAt: Date? = nil,
        disabled: Bool = false
    ) {
        self.url = url
        self.sourceID = sourceID
        self.etag = etag
        self.lastModified = lastModified
        self.lastFetchedAt = lastFetchedAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.nextAttemptAt = nextAttemptAt
        self.disabled = disabled
    }
}

/// Which articles a digest or a feed wants.
public struct ArticleQuery: Hashable, Sendable {
    /// Empty means every country.
    public var countries: [Country]
    /// Empty means every topic; otherwise an article matches when it has any of them.
    public var topics: [Topic]
    /// Only articles published at or after this instant (and not after `until`).
    public var since: Date
    public var until: Date
    /// Only articles Gazette first saw at or after this instant (a digest's "new since the
    /// last edition"); nil: any.
    public var firstSeenSince: Date?
    public var limit: Int

    public init(
        countries: [Country] = [],
        topics: [Topic] = [],
        since: Date,
        until: Date,
        firstSeenSince: Date? = nil,
        limit: Int
    ) {
        self.countries = countries
        self.topics = topics
        self.since = since
        self.until = until
        self.firstSeenSince = firstSeenSince
        self.limit = limit
    }
}

/// What `saveArticles` does with an article it already holds.
public enum StoredArticleUpdate: Sendable {
    /// Updated where the feed's values changed.
    case update
    /// Left as it is: the feed was read in recovery mode (cut short or broken), so its values
    /// for articles already held are not to be trusted over what is stored.
    case keep
}

/// Sources, their feeds' state, and the articles read from them.
public protocol ArticleStore: Sendable {
    /// Makes the stored sources match the configured ones (new ones added, changed ones updated).
    func saveSources(_ sources: [Source]) async throws
    func feedState(url: String) async throws -> FeedState?
    /// Every feed's state, by source and URL.
    func allFeedStates() async throws -> [FeedState]
    /// Articles per source first seen at or after `since`.
    func articleCountsBySource(fetchedSince since: Date) async throws -> [String: Int]
    func saveFeedState(_ state: FeedState) async throws
    /// Stores new articles and, with `.update`, updates changed ones (same source and guid:
    /// title, text, content, link, author or image changed; the first publication date is
    /// kept), in one transaction. An update never blanks a value: a title or text the feed now
    /// gives empty, or a link, author, image or content it no longer gives, keeps what is stored.
    func saveArticles(_ articles: [Article], existing: StoredArticleUpdate) async throws -> ArticleSaveCounts
    /// Newest first.
    func articles(matching query: ArticleQuery) async throws -> [Article]
    func articles(ids: [Int64]) async throws -> [Article]
    /// Sets each article's story (article id → story id), in one transaction.
    func assignStories(_ storyIDs: [Int64: String]) async throws
    /// Every article of the given stories, oldest first.
    func articles(storyIDs: [String]) async throws -> [Article]
    func articleCount() async throws -> Int
    /// Every country that has at least one article, in code order.
    func countriesWithArticles() async throws -> [Country]
    /// Changes whenever anything a feed shows may have changed (articles, stories, editions):
    /// the HTTP server's cached feeds are dropped when it does.
    func dataVersion() async throws -> String
}

/// What `saveArticles` did.
public struct ArticleSaveCounts: Hashable, Sendable {
    public var new: Int
    public var updated: Int

    public init(new: Int, updated: Int) {
        self.new = new
        self.updated = updated
    }
}

/// A subscriber with their subscription.
public struct SubscriberRecord: Hashable, Sendable {
    public var subscriber: Subscriber
    public var subscription: Subscription

    public init(subscriber: Subscriber, subscription: Subscription) {
        self.subscriber = subscriber
        self.subscription = subscription
    }
}

/// What a subscriber asks for; the store assigns ids.
public struct SubscriptionPreferences: Hashable, Sendable {
    public var countries: [Country]
    public var topics: [Topic]
    public var frequency: Subscription.Frequency
    public var sendHour: Int
    /// For weekly digests: 1 Monday … 7 Sunday.
    public var weekday: Int
    public var timeZone: TimeZone
    public var format: Subscription.Format

    public init(
        countries: [Country],
        topics: [Topic] = [],
        frequency: Subscription.Frequency = .daily,
        sendHour: Int = 7,
        weekday: Int = 1,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        format: Subscription.Format = .html
    ) {
        self.countries = countries
        self.topics = topics
        self.frequency = frequency
        self.sendHour = sendHour
        self.weekday = weekday
        self.timeZone = timeZone
        self.format = format
    }
}

public protocol SubscriberStore: Sendable {
    /// Creates the subscriber, or updates an existing one's status and preferences. Pending
    /// never replaces active: an active subscriber asked to become pending (a sign-up form
    /// racing the confirmation) is returned as it is, unchanged, in the same transaction.
    func subscribe(
        _ email: EmailAddress,
        preferences: SubscriptionPreferences,
        status: Subscriber.Status,
        now: Date
    ) async throws -> SubscriberRecord
    /// When the last confirmation email went to this address (nil: never).
    func confirmationSentAt(_ email: EmailAddress) async throws -> Date?
    /// Claims the address's confirmation email: records `date` and returns true when none was
    /// sent after `notAfter`; false when one was. One statement, so two sign-ups at once cannot
    /// both send.
    func claimConfirmation(_ email: EmailAddress, at date: Date, notAfter: Date) async throws -> Bool
    /// Gives back a claim whose email could not be handed over, so the next sign-up sends one.
    func releaseConfirmation(_ email: EmailAddress, claimedAt date: Date) async throws
    /// Makes a pending subscriber active; returns the record, or nil when the token is unknown
    /// or the subscriber is not pending.
    func confirm(token: String) async throws -> SubscriberRecord?
    /// Marks the subscriber unsubscribed; returns false when the address is unknown.
    func unsubscribe(_ email: EmailAddress) async throws -> Bool
    /// Pauses an active subscriber's digest (from their settings page, which can resume it);
    /// false when the address is not active.
    func pause(_ email: EmailAddress, at date: Date) async throws -> Bool
    func subscriber(_ email: EmailAddress) async throws -> SubscriberRecord?
    /// The subscriber whose secret token this is (unsubscribe links, private feeds).
    func subscriber(token: String) async throws -> SubscriberRecord?
    /// Every subscriber, by address.
    func allSubscribers() async throws -> [SubscriberRecord]
    /// The subscribers of these subscriptions as they are now (a send checks each batch again).
    func subscribers(subscriptionIDs: [Int64]) async throws -> [SubscriberRecord]
    /// Subscribers whose status is active and whose address is not suppressed.
    func activeSubscribers() async throws -> [SubscriberRecord]
    /// Records that an edition fell due while nothing ran and was too late to send when it did.
    func recordSkipped(subscriptionID: Int64, period: String, dueAt: Date, now: Date) async throws
    /// The skipped editions of these periods, as `subscriptionID/period`.
    func skippedEditions(periods: [String]) async throws -> Set<String>
    /// Stops all mail to an address, with the reason shown to the operator (hard bounces).
    func suppress(_ email: EmailAddress, reason: String, now: Date) async throws
    /// Suppressed addresses and why.
    func suppressions() async throws -> [(email: String, reason: String, since: Date)]
    /// The secret stored under `name` (the link-signing key), or nil when there is none.
    func storedSecret(named name: String) async throws -> String?
    /// The secret stored under `name`, storing `initial` first when there is none. Two processes
    /// asking at once both get the one that was stored first.
    func storedSecret(named name: String, ifAbsent initial: String) async throws -> String
}

public protocol EditionStore: Sendable {
    /// Stores the edition unless one exists for the same subscription and period; returns the
    /// stored one either way, and whether it was new.
    func claimEdition(_ edition: Edition) async throws -> (edition: Edition, isNew: Bool)
    func edition(subscriptionID: Int64, period: String) async throws -> Edition?
    /// The editions of these periods, without their rendered parts (`html` nil, `text` empty):
    /// what a `send` run checks for every subscriber, in one query.
    func editionStates(periods: [String]) async throws -> [Edition]
    /// The edition with this key (`/archive/{key}`).
    func edition(key: String) async throws -> Edition?
    /// A subscription's editions, newest first: its private feed.
    func editions(subscriptionID: Int64, limit: Int) async throws -> [Edition]
    /// The same, without their rendered parts (`html` nil, `text` empty): what choosing the
    /// stories of the subscription's next edition needs.
    func editionStates(subscriptionID: Int64, limit: Int) async throws -> [Edition]
    func recordDelivery(_ delivery: Delivery) async throws
    func deliveries(editionID: Int64) async throws -> [Delivery]
    /// Leases every edition that is due: queued, deferred whose time has come, or sending whose
    /// lease ran out (its run died). They become `sending` until `leaseUntil`, one attempt more.
    func leaseDueEditions(now: Date, leaseUntil: Date, limit: Int) async throws -> [Edition]
    /// Records one attempt and the edition's new state, in one transaction.
    func finishAttempt(
        _ attempt: Delivery,
        status: Edition.Status,
        nextAttemptAt: Date?
    ) async throws
    /// Several attempts in one transaction, blocking the calling thread: for the delivery's
    /// ledger writer, a thread of its own. Never call it on Swift's cooperative pool.
    func finishAttemptsBlocking(_ attempts: [(attempt: Delivery, status: Edition.Status, nextAttemptAt: Date?)]) throws
    /// Makes every edition still marked `sending` due again (for a run that holds the send lock,
    /// so that the run that leased them cannot be alive).
    func reclaimAbandonedEditions() async throws
    /// Gives a leased edition back untried: no attempt is counted. With `notBefore` it waits
    /// until then (its domain asked to slow down); otherwise it is due again at once.
    func releaseEdition(id: Int64, notBefore: Date?) async throws
    /// The ledger, newest first, filtered.
    func ledger(editionID: Int64?, status: Edition.Status?, since: Date?, limit: Int) async throws -> [Edition]
    /// How many editions are in each state (made at or after `createdSince`; nil: all).
    func ledgerCounts(createdSince: Date?) async throws -> [Edition.Status: Int]
    /// Queues failed editions (created since `since`) again; returns how many.
    func requeueFailed(since: Date?, now: Date) async throws -> Int
    /// Editions refused for good (5xx) for this recipient: hard bounces, for suppression.
    func failedEditionCount(recipient: String) async throws -> Int
}

/// Everything Gazette stores. SQLite implements it now; PostgreSQL can follow.
/// What `prune` deleted.
public struct PruneCounts: Hashable, Sendable {
    public var articles: Int
    public var editionBodies: Int
    public var skippedEditions: Int

    public init(articles: Int, editionBodies: Int, skippedEditions: Int) {
        self.articles = articles
        self.editionBodies = editionBodies
        self.skippedEditions = skippedEditions
    }
}

/// Deleting what is kept no longer.
public protocol RetentionStore: Sendable {
    /// Deletes articles first seen and published before `articlesBefore`; the rendered message
    /// of editions delivered or failed, and the skipped-edition records, from before
    /// `editionsBefore`. Editions and their deliveries stay: the ledger keeps its history.
    func prune(articlesBefore: Date, editionsBefore: Date) async throws -> PruneCounts
}

public typealias GazetteStore = ArticleStore & SubscriberStore & EditionStore & RetentionStore

/// A store failure that names what was being done.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ArticleStore {
    /// New articles stored, changed ones updated.
    public func saveArticles(_ articles: [Article]) async throws -> ArticleSaveCounts {
        try await saveArticles(articles, existing: .update)
    }
}
