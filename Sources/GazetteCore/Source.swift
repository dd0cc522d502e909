import Foundation

/// A news outlet as configured: where its feeds are and what it covers.
public struct Source: Hashable, Sendable, Identifiable {
    /// A short stable identifier chosen by the operator ("lemonde").
    public var id: String
    public var name: String
    public var country: Country
    /// A BCP 47 language tag as written in the config ("fr", "pt-BR").
    public var language: String
    public var feeds: [String]
    public var topics: [Topic]
    /// Minutes between fetches of this source's feeds; nil: `scheduling.ingestIntervalMinutes`.
    public var intervalMinutes: Int?

    public init(id: String, name: String, country: Country, language: String, feeds: [String], topics: [Topic] = []) {
        self.id = id
        self.name = name
        self.country = country
        self.language = language
        self.feeds = feeds
        self.topics = topics
    }
}

/// When a feed is fetched: once per interval, at a moment of the interval fixed by the feed's
/// URL, so that 150 feeds every 30 minutes make five fetches a minute rather than a burst of 150,
/// and a restart does not fetch again what was fetched in the current interval.
public enum FeedCadence {
    /// Whether the feed's moment has come in an interval other than its last fetch's.
    public static func isDue(url: String, lastFetchedAt: Date?, interval: TimeInterval, now: Date) -> Bool {
        guard let lastFetchedAt, interval > 0 else { return true }
        let phase = Double(StableHash.fnv1a64(url) % UInt64(max(1, interval)))
        let slot = { (date: Date) in ((date.timeIntervalSince1970 - phase) / interval).rounded(.down) }
        // A clock set back (a machine that booted fast, then NTP) counts too: with `>` alone,
        // nothing was due until the clock caught up with the last fetch, a year later perhaps.
        return slot(now) != slot(lastFetchedAt)
    }
}
