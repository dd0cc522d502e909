import Foundation
import GazetteApp
import GazetteCore

/// Rendered feeds kept in memory, plain and gzipped, with their strong ETag: a poll costs a
/// dictionary lookup, not a render. Everything is dropped when the store's data version
/// changes (new articles, stories or editions), which is checked at most every few seconds.
actor FeedCache {
    struct Entry: Sendable {
        var body: [UInt8]
        var gzipped: [UInt8]?
        var contentType: String
        /// `"…"`: a hash of the bytes, so equal bytes always have the same tag.
        var etag: String
        var lastModified: Date
    }

    private var entries: [String: Entry] = [:]
    private var version: String?
    private var checkedAt = ContinuousClock.now - .seconds(3_600)
    private let recheck: Duration
    private let currentVersion: @Sendable () async throws -> String

    init(recheck: Duration = .seconds(5), currentVersion: @escaping @Sendable () async throws -> String) {
        self.recheck = recheck
        self.currentVersion = currentVersion
    }

    /// The cached entry for `key`, or the one `render` makes; a feed that is not found is not cached.
    func entry(_ key: String, render: @Sendable () async throws -> FeedLookup) async throws -> Result<Entry, NotFound> {
        if ContinuousClock.now - checkedAt >= recheck {
            checkedAt = .now
            let latest = try await currentVersion()
            if latest != version {
                entries = [:]
                version = latest
            }
        }
        if let entry = entries[key] { return .success(entry) }
        let feed: RenderedFeed
        switch try await render() {
        case .found(let found): feed = found
        case .notFound(let reason): return .failure(NotFound(reason: reason))
        }
        let entry = Entry(
            body: feed.body,
            gzipped: Gzip.compress(feed.body),
            contentType: feed.contentType,
            etag: "\"\(StableHash.hex(String(decoding: feed.body, as: UTF8.self)))\"",
            lastModified: feed.lastModified
        )
        entries[key] = entry
        return .success(entry)
    }

    struct NotFound: Error {
        var reason: String
    }

    /// Drops everything now (the daemon calls this after an ingest or a delivery cycle).
    func invalidate() {
        entries = [:]
        version = nil
    }
}
