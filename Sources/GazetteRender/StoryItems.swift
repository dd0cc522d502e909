import Foundation
import GazetteCore

/// Digest items by what they are made from, but their place in the digest. The same story goes
/// to every reader of its country: a send builds each story's item (safe text, wrapped
/// summary and takes, date label) once, not once per reader. Items taken from here also share
/// their text, so comparing two of them (the story-fragment lookup, once per story of every
/// digest) takes a glance at each value instead of a read of every byte.
public final class StoryItems: Sendable {
    /// Everything an item's values are made from besides its place: the fields of the lead
    /// article and the takes that the item shows, the summary, the outlets' names and the
    /// reader's time zone. An edited article is a new key.
    struct Key: Hashable, Sendable {
        var zone: String
        var lead: Shown
        var takes: [Shown]
        var summary: [Sentence]
        var sourceNames: [String]

        /// The values of an article an item shows.
        struct Shown: Hashable {
            var id: Int64?
            var title: String
            var url: String?
            var publishedAt: Date
            var country: Country
            /// The lead's text (by hash), when the story has no summary (its first sentences
            /// are the summary then); nil otherwise, and for a take.
            var text: TextDigest?
        }

        struct Sentence: Hashable {
            var text: String
            var articleID: Int64?
        }

        /// A few short values: the texts are compared when two keys hash alike, not hashed.
        func hash(into hasher: inout Hasher) {
            hasher.combine(zone)
            hasher.combine(lead.id)
            hasher.combine(lead.title)
            hasher.combine(takes.count)
        }
    }

    private let items = MemoCache<Key, DigestContent.Item>()

    public init() {}

    /// The item for `key`, from `make` the first time.
    func item(_ key: Key, make: () -> DigestContent.Item) -> DigestContent.Item {
        items.value(key, make: make)
    }

    /// Forgets every item (for benchmarks that measure building digests from nothing).
    public func removeAll() {
        items.removeAll()
    }
}
