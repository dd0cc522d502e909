import Foundation
import GazetteApp
import GazetteCore
import Hummingbird
import Synchronization

/// Rendered feeds kept in memory, plain and gzipped, with their strong ETag: a poll costs a
/// dictionary lookup, not a render. Everything is dropped when the store's data version
/// changes (new articles, stories or editions), which is checked at most every few seconds.
final class FeedCache: Sendable {
    /// A class, not a struct: handing an entry to a request is one reference, not a copy of
    /// every field.
    final class Entry: Sendable {
        let contentType: String
        /// `"…"`: a hash of the bytes, so equal bytes always have the same tag.
        let etag: String
        let lastModified: Date
        /// `lastModified` as the header says it, formatted once.
        let lastModifiedText: String
        /// The bodies as NIO buffers, shared by every response (no copy per request).
        let bodyBuffer: ByteBuffer
        let gzippedBuffer: ByteBuffer?

        init(_ feed: RenderedFeed) {
            contentType = feed.contentType
            etag = "\"\(StableHash.hex(String(decoding: feed.body, as: UTF8.self)))\""
            lastModified = feed.lastModified
            lastModifiedText = HTTPDate.format(feed.lastModified)
            bodyBuffer = ByteBuffer(bytes: feed.body)
            gzippedBuffer = Gzip.compress(feed.body).map { ByteBuffer(bytes: $0) }
        }
    }

    struct NotFound: Error {
        var reason: String
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var version: String?
        var checkedAt = ContinuousClock.now - .seconds(3_600)
        /// Counts the times everything was dropped: a feed rendered before a drop is not kept
        /// after it (its bytes may be older than the version the cache now stands for).
        var generation = 0

        mutating func dropAll() {
            entries = [:]
            generation += 1
        }
    }

    // A lock, not an actor: a cached poll should cost a lookup, not a hop between executors.
    private let state = Mutex(State())
    private let recheck: Duration
    private let currentVersion: @Sendable () async throws -> String
    /// At most this many feeds are kept; past it, everything is dropped at once. Every country,
    /// topic and pair in three formats is about 8,000; private feeds, one per reader who polls,
    /// are the rest.
    let capacity: Int

    init(
        recheck: Duration = .seconds(5),
        capacity: Int = 20_000,
        currentVersion: @escaping @Sendable () async throws -> String
    ) {
        self.recheck = recheck
        self.capacity = capacity
        self.currentVersion = currentVersion
    }

    /// How many feeds are held now.
    var count: Int { state.withLock { $0.entries.count } }

    /// The cached entry for `key`, or the one `render` makes; a feed that is not found is not cached.
    func entry(_ key: String, render: @Sendable () async throws -> FeedLookup) async throws -> Result<Entry, NotFound> {
        let now = ContinuousClock.now
        // One lock for the common case: the version was checked lately and the feed is here.
        var (cached, check, generation) = state.withLock { state -> (Entry?, Bool, Int) in
            guard now - state.checkedAt >= recheck else { return (state.entries[key], false, state.generation) }
            state.checkedAt = now
            return (nil, true, state.generation)
        }
        if let cached { return .success(cached) }
        if check {
            let latest = try await currentVersion()
            (cached, generation) = state.withLock { state in
                if latest != state.version {
                    state.dropAll()
                    state.version = latest
                }
                return (state.entries[key], state.generation)
            }
            if let cached { return .success(cached) }
        }
        let entry: Entry
        switch try await render() {
        case .found(let feed): entry = Entry(feed)
        case .notFound(let reason): return .failure(NotFound(reason: reason))
        }
        state.withLock { state in
            // Dropped while this one was rendered (a new version seen, or `invalidate`): this
            // request gets what it rendered, the next one renders again.
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries = [:] }
            state.entries[key] = entry
        }
        return .success(entry)
    }

    /// The cached entry for `key` if the store's version was checked lately; nil when the feed is
    /// not cached or the version is due for a check (which only `entry` does: it awaits the store).
    func fresh(_ key: String, now: ContinuousClock.Instant = .now) -> Entry? {
        state.withLock { state in now - state.checkedAt < recheck ? state.entries[key] : nil }
    }

    /// Drops everything now (the daemon calls this after an ingest or a delivery cycle).
    func invalidate() {
        state.withLock { state in
            state.dropAll()
            state.version = nil
        }
    }
}
