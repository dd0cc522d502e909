import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import GazetteApp
@testable import GazetteWeb

/// The event-loop fast path for cached feeds, in an EmbeddedChannel: what it answers itself,
/// what it passes on to the router, and that responses keep the order of their requests.
@Suite("HTTP: cached feeds answered on the event loop")
struct CachedFeedHandlerTests {
    static let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"

    /// A cache holding `country/jp.atom`, its store version checked just now.
    func cache(recheck: Duration = .seconds(3_600)) async throws -> FeedCache {
        let cache = FeedCache(recheck: recheck) { "version 1" }
        _ = try await cache.entry("country/jp.atom") {
            .found(
                RenderedFeed(
                    body: Array(Self.feed.utf8),
                    contentType: "application/atom+xml; charset=utf-8",
                    lastModified: Date(timeIntervalSince1970: 1_795_900_000)
                )
            )
        }
        return cache
    }

    func channel(_ cache: FeedCache) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(CachedFeedHandler(cache: cache, serverName: "Gazette") { _ in })
        return channel
    }

    func send(
        _ channel: EmbeddedChannel,
        _ path: String,
        method: HTTPRequest.Method = .get,
        headers: HTTPFields = [:]
    ) throws {
        let request = HTTPRequest(
            method: method,
            scheme: nil,
            authority: "127.0.0.1",
            path: path,
            headerFields: headers
        )
        try channel.writeInbound(HTTPRequestPart.head(request))
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// The parts written back to the client since the last call.
    func answered(_ channel: EmbeddedChannel) throws -> [HTTPResponsePart] {
        var parts: [HTTPResponsePart] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) { parts.append(part) }
        return parts
    }

    /// The parts passed on to the router since the last call.
    func passedOn(_ channel: EmbeddedChannel) throws -> [HTTPRequestPart] {
        var parts: [HTTPRequestPart] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) { parts.append(part) }
        return parts
    }

    /// What the router would write for a request passed on to it.
    func routerAnswers(_ channel: EmbeddedChannel, _ status: HTTPResponse.Status = .notFound) throws {
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: status)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try answered(channel)
    }

    @Test(
        "a cached feed is answered here: 200 with its bytes, 304 for its ETag, HEAD with no body; the router sees none"
    )
    func answersCachedFeeds() async throws {
        let channel = try channel(try await cache())
        try send(channel, "/feeds/country/jp.atom?utm_source=reader")
        let full = try answered(channel)
        #expect(full.count == 3)
        guard case .head(let head) = full.first, case .body(let body) = full[1], case .end = full.last else {
            Issue.record("expected a head, a body and an end: \(full)")
            return
        }
        #expect(head.status == .ok)
        #expect(head.headerFields[.contentType] == "application/atom+xml; charset=utf-8")
        #expect(head.headerFields[.contentLength] == String(Self.feed.utf8.count))
        #expect(head.headerFields[.server] == "Gazette" && head.headerFields[.date] != nil)
        #expect(String(buffer: body) == Self.feed)
        let etag = try #require(head.headerFields[.eTag])

        try send(channel, "/feeds/country/jp.atom", headers: [.ifNoneMatch: etag])
        let notModified = try answered(channel)
        #expect(notModified.count == 2)
        if case .head(let head) = notModified.first { #expect(head.status == .notModified) }

        try send(channel, "/feeds/country/jp.atom", headers: [.connection: "Keep-Alive"])
        #expect(try answered(channel).count == 3, "keep-alive is what the fast path does anyway")

        try send(channel, "/feeds/country/jp.atom", method: .head)
        let headOnly = try answered(channel)
        #expect(headOnly.count == 2, "no body part")
        if case .head(let head) = headOnly.first {
            #expect(head.status == .ok && head.headerFields[.contentLength] == String(Self.feed.utf8.count))
        }
        try send(channel, "/feeds/country/jp.atom", method: .head, headers: [.ifNoneMatch: etag])
        let headNotModified = try answered(channel)
        if case .head(let head) = headNotModified.first { #expect(head.status == .notModified) }

        // A GET with a body: the body is read and dropped, the poll answered.
        let request = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/feeds/country/jp.atom")
        try channel.writeInbound(HTTPRequestPart.head(request))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "ignored")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try answered(channel).count == 3)
        #expect(try passedOn(channel).isEmpty)
    }

    @Test("misses, other routes and methods, Connection and Expect headers, odd paths go to the router")
    func passesOnTheRest() async throws {
        let cache = try await cache()
        let requests: [(String, HTTPRequest.Method, HTTPFields)] = [
            ("/feeds/country/de.atom", .get, [:]),
            ("/feeds/country/jp.atom", .post, [:]),
            ("/healthz", .get, [:]),
            ("/feeds/country/jp.atom", .get, [.connection: "close"]),
            ("/feeds/country/jp.atom", .get, [.connection: "keep-alive, Upgrade"]),
            ("/feeds/country/jp.atom", .get, [.expect: "100-continue"]),
            ("/feeds/country/./jp.atom", .get, [:]),
            ("/feeds/country/%6Ap.atom", .get, [:]),
        ]
        for (path, method, headers) in requests {
            let channel = try channel(cache)
            try send(channel, path, method: method, headers: headers)
            #expect(try answered(channel).isEmpty, "\(method) \(path) \(headers)")
            #expect(try passedOn(channel).count == 2, "\(method) \(path) \(headers)")
            try routerAnswers(channel)
            // Once the router has answered, a cached poll is answered here again, unless the
            // connection is closing.
            try send(channel, "/feeds/country/jp.atom")
            let closing = headers[.connection].map { !CachedFeedHandler.keepsAlive($0) } ?? false
            #expect(try answered(channel).count == (closing ? 0 : 3), "after \(method) \(path)")
        }
    }

    @Test("a client that does not read (the channel is not writable) is the router's, which stops reading from it")
    func backpressure() async throws {
        let channel = try channel(try await cache())
        channel.isWritable = false
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty)
        #expect(try passedOn(channel).count == 2)
    }

    @Test("after a request that asks to close the connection, nothing more is answered here")
    func closing() async throws {
        let channel = try channel(try await cache())
        try send(channel, "/feeds/country/de.atom", headers: [.connection: "close"])
        #expect(try passedOn(channel).count == 2)
        try routerAnswers(channel)
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty)
        #expect(try passedOn(channel).count == 2)
    }

    @Test("a response the router gives unasked (a 400 for bytes it could not parse) does not unbalance the count")
    func unaskedResponse() async throws {
        let channel = try channel(try await cache())
        try routerAnswers(channel, .badRequest)
        try send(channel, "/feeds/country/de.atom")
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty, "the router still owes an answer for de.atom")
        #expect(try passedOn(channel).count == 4)
    }

    @Test("a cache due for its check of the store's version is the router's: only it can await the store")
    func dueForCheck() async throws {
        let channel = try channel(try await cache(recheck: .zero))
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty)
        #expect(try passedOn(channel).count == 2)
    }

    @Test("a poll that arrives while the router still answers an earlier request waits its turn (pipelining)")
    func keepsResponsesInOrder() async throws {
        let channel = try channel(try await cache())
        try send(channel, "/feeds/country/de.atom")
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty, "nothing may overtake the router's answer")
        #expect(try passedOn(channel).count == 4, "both requests went to the router, in order")
        try routerAnswers(channel)
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).isEmpty, "the router still owes the second answer")
        #expect(try passedOn(channel).count == 2)
        try routerAnswers(channel, .ok)
        try routerAnswers(channel, .ok)
        try send(channel, "/feeds/country/jp.atom")
        #expect(try answered(channel).count == 3)
    }

    @Test("the cache holds at most its capacity: past it, everything is dropped and filled again")
    func capacity() async throws {
        let cache = FeedCache(capacity: 3) { "version 1" }
        for index in 0..<10 {
            _ = try await cache.entry("country/c\(index).atom") {
                .found(
                    RenderedFeed(body: Array("<feed/>".utf8), contentType: "application/atom+xml", lastModified: .now)
                )
            }
            #expect(cache.count <= 3)
        }
        #expect(cache.count >= 1)
    }

    @Test("feed keys: the segments after /feeds/, query dropped; empty, dot and encoded segments are the router's")
    func feedKeys() {
        #expect(CachedFeedHandler.feedKey("/feeds/country/de.atom") == "country/de.atom")
        #expect(CachedFeedHandler.feedKey("/feeds/country/de/politics.rss?x=1") == "country/de/politics.rss")
        #expect(CachedFeedHandler.feedKey("/feeds/s/AbC_12-3.atom") == "s/AbC_12-3.atom")
        for path in [
            "/feeds/", "/feeds", "/feeds.opml", "/feedsx/de.atom", "/feeds//de.atom", "/feeds/country/",
            "/feeds/../etc/passwd", "/feeds/./de.atom", "/feeds/country/d%65.atom", "/feeds/country/dé.atom",
            "/feeds/country/de.atom#x", "/archive/x", "/feeds/?x",
        ] {
            #expect(CachedFeedHandler.feedKey(path) == nil, "\(path)")
        }
    }
}
