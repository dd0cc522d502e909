import Foundation
import NIOCore
import Synchronization
import Testing

@testable import GazetteApp
@testable import GazetteWeb

/// The in-memory feed cache: what a render that raced a change of the store's data leaves behind.
@Suite("HTTP: the feed cache")
struct FeedCacheTests {
    /// The store as the cache sees it: its data version, and the feed bytes a render reads now.
    final class Store: Sendable {
        let version = Mutex("v0")
        let renders = Mutex(0)

        func feed() -> FeedLookup {
            renders.withLock { $0 += 1 }
            return .found(
                RenderedFeed(
                    body: Array("<feed>\(version.withLock { $0 })</feed>".utf8),
                    contentType: "application/atom+xml; charset=utf-8",
                    lastModified: Date(timeIntervalSince1970: 1_795_900_000)
                )
            )
        }
    }

    func body(_ result: Result<FeedCache.Entry, FeedCache.NotFound>) throws -> String {
        String(buffer: try result.get().bodyBuffer)
    }

    @Test("a feed rendered from old data while another request saw the new version is not kept")
    func renderRacingAVersionChange() async throws {
        let store = Store()
        // Every request checks the version, so the request for the other feed sees the change.
        let cache = FeedCache(recheck: .zero) { store.version.withLock { $0 } }
        let first = try await cache.entry("country/jp.atom") {
            // Rendered from v0's data; meanwhile new articles land (v1) and another poll sees it.
            let rendered = store.feed()
            store.version.withLock { $0 = "v1" }
            _ = try await cache.entry("country/de.atom") { store.feed() }
            return rendered
        }
        #expect(try body(first) == "<feed>v0</feed>", "the request gets what it rendered")
        let rendersBefore = store.renders.withLock { $0 }
        let next = try await cache.entry("country/jp.atom") { store.feed() }
        #expect(try body(next) == "<feed>v1</feed>", "the next poll gets the new data, not the old bytes")
        #expect(store.renders.withLock { $0 } == rendersBefore + 1)
    }

    @Test("a feed rendered while the daemon invalidated the cache is not kept")
    func renderRacingInvalidate() async throws {
        let store = Store()
        let cache = FeedCache(recheck: .seconds(3_600)) { store.version.withLock { $0 } }
        _ = try await cache.entry("country/jp.atom") {
            let rendered = store.feed()
            store.version.withLock { $0 = "v1" }
            cache.invalidate()
            return rendered
        }
        #expect(cache.count == 0)
        #expect(try body(await cache.entry("country/jp.atom") { store.feed() }) == "<feed>v1</feed>")
        #expect(cache.count == 1, "kept once rendered with nothing dropped meanwhile")
    }
}
