import Foundation
import GazetteApp
import GazetteCore
import Hummingbird
import Synchronization

/// Rendered feeds kept in memory, plain and gzipped, with their strong ETag: a poll costs a
/// dictionary lookup, not a render. Everything is dropped when the store's data version
/// changes (new articles, stories or editions), which is checked at most every few seconds.
final class FeedCache: Sendable {
    struct Entry: Sendable {
        var body: [UInt8]
        var gzipped: [UInt8]?
        var contentType: String
        /// `"…"`: a hash of the bytes, so equal bytes always have the same tag.
        var etag: String
        var lastModified: Date
        /// `lastModified` as the header says it, formatted once.
        var lastModifiedText: String
        /// The bodies as NIO buffers, shared by every response (no copy per request).
        var bodyBuffer: ByteBuffer
        var gzippedBuffer: ByteBuffer?
    }

    struct NotFound: Error {
        var reason: String
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var version: String?
        var checkedAt = ContinuousClock.now - .seconds(3_600)
    }

    // A lock, not an actor: a cached poll should cost a lookup, not a hop between executors.
    private let state = Mutex(State())
    private let recheck: Duration
    private let currentVersion: @Sendable () async throws -> String

    init(recheck: Duration = .seconds(5), currentVersion: @escaping @Sendable () async throws -> String) {
        self.recheck = recheck
        self.currentVersion = currentVersion
    }

    /// The cached entry for `key`, or the one `render` makes; a feed that is not found is not cached.
    func entry(_ key: String, render: @Sendable () async throws -> FeedLookup) async throws -> Result<Entry, NotFound> {
        let now = ContinuousClock.now
        let check = state.withLock { state in
            guard now - state.checkedAt >= recheck else { return false }
            state.checkedAt = now
            return true
        }
        if check {
            let latest = try await currentVersion()
            state.withLock { state in
                if latest != state.version {
                    state.entries = [:]
                    state.version = latest
                }
            }
        }
        if let entry = state.withLock({ $0.entries[key] }) { return .success(entry) }
        let feed: RenderedFeed
        switch try await render() {
        case .found(let found): feed = found
        case .notFound(let reason): return .failure(NotFound(reason: reason))
        }
        let gzipped = Gzip.compress(feed.body)
        let entry = Entry(
            body: feed.body,
            gzipped: gzipped,
            contentType: feed.contentType,
            etag: "\"\(StableHash.hex(String(decoding: feed.body, as: UTF8.self)))\"",
            lastModified: feed.lastModified,
            lastModifiedText: HTTPDate.format(feed.lastModified),
            bodyBuffer: ByteBuffer(bytes: feed.body),
            gzippedBuffer: gzipped.map { ByteBuffer(bytes: $0) }
        )
        state.withLock { $0.entries[key] = entry }
        return .success(entry)
    }

    /// Drops everything now (the daemon calls this after an ingest or a delivery cycle).
    func invalidate() {
        state.withLock { state in
            state.entries = [:]
            state.version = nil
        }
    }
}
