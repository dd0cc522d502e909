import Foundation
import GazetteApp
import GazetteCore
import GazetteMail
import GazetteStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import GazetteWeb

/// The HTTP face, in process through Hummingbird's router and live on 127.0.0.1:0, on the
/// bundled samples in a real SQLite file, with one subscriber who has been sent an edition.
@Suite("HTTP: feeds, archive, unsubscribe")
struct WebServerTests {
    let folder: TemporaryDirectory
    let gazette: Gazette
    let record: SubscriberRecord
    let web: WebServer

    init() async throws {
        folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.outboxDirectory = folder.file("outbox").path
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { Date(timeIntervalSince1970: 1_795_900_000) }
        )
        _ = try await gazette.ingest()
        record = try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
            status: .active,
            now: Date(timeIntervalSince1970: 1_795_900_000)
        )
        _ = try await gazette.send(force: true, transport: try gazette.makeTransport())
        web = WebServer(gazette: gazette, versionRecheck: .zero)
    }

    var app: some ApplicationProtocol { Application(router: web.router()) }

    /// A server as `gazette serve` runs it, whose cached feeds stay fresh for the test's length:
    /// polls after the first are answered on the event loop (`CachedFeedHandler`).
    func served() -> (WebServer, some ApplicationProtocol) {
        let server = WebServer(gazette: gazette, versionRecheck: .seconds(3_600))
        return (server, server.application(host: "127.0.0.1", port: 0))
    }

    @Test(
        "a feed: 200 with ETag and Last-Modified; 304 for If-None-Match and If-Modified-Since; HEAD has no body; gzip on request"
    )
    func conditionalGet() async throws {
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/feeds/country/jp.atom", method: .get)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "application/atom+xml; charset=utf-8")
            let etag = try #require(first.headers[.eTag])
            let lastModified = try #require(first.headers[.lastModified])
            #expect(String(buffer: first.body).contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""))
            #expect(first.headers[.vary] == "Accept-Encoding")

            let byTag = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.ifNoneMatch: etag]
            )
            #expect(byTag.status == .notModified && byTag.body.readableBytes == 0)
            let byDate = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.ifModifiedSince: lastModified]
            )
            #expect(byDate.status == .notModified)
            let stale = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.ifNoneMatch: "\"other\""]
            )
            #expect(stale.status == .ok)
            // A date the server cannot read, or one before the feed's last change: the full feed.
            for since in ["yesterday", "Sun, 06 Nov 1994 08:49:37 GMT"] {
                let full = try await client.execute(
                    uri: "/feeds/country/jp.atom",
                    method: .get,
                    headers: [.ifModifiedSince: since]
                )
                #expect(full.status == .ok && full.body.readableBytes > 0, "\(since)")
            }

            let head = try await client.execute(uri: "/feeds/country/jp.atom", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(head.headers[.eTag] == etag)

            let gzipped = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.acceptEncoding: "gzip, deflate"]
            )
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            let bytes = Array(buffer: gzipped.body)
            #expect(bytes.prefix(2) == [0x1F, 0x8B], "a gzip stream")
            #expect(bytes.count < first.body.readableBytes)
            // Other bytes, so not the same strong tag: the weak form of it, which still gets a 304.
            #expect(gzipped.headers[.eTag] == "W/" + etag)
            for kept in ["W/" + etag, etag] {
                let again = try await client.execute(
                    uri: "/feeds/country/jp.atom",
                    method: .get,
                    headers: [.acceptEncoding: "gzip", .ifNoneMatch: kept]
                )
                #expect(again.status == .notModified && again.headers[.eTag] == "W/" + etag, "\(kept)")
            }
        }
        #expect(web.feedResponses.count(of: 304) == 4)
    }

    @Test(
        "an article edited by a later fetch: If-Modified-Since gets the feed again, with the entry's new title and date"
    )
    func editedArticle() async throws {
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/feeds/country/jp.atom", method: .get)
            let lastModified = try #require(first.headers[.lastModified])
            let newest = try #require(
                try await gazette.store.articles(
                    matching: ArticleQuery(
                        countries: [Country(code: "JP")!],
                        topics: [],
                        since: .distantPast,
                        until: Date(timeIntervalSince1970: 1_795_900_000),
                        limit: 1
                    )
                ).first
            )
            #expect(!String(buffer: first.body).contains("Corrected headline"))
            // The outlet corrects its headline; Gazette fetches the item again an hour later.
            var edited = newest
            edited.title = "Corrected headline of the day"
            edited.fetchedAt = newest.fetchedAt.addingTimeInterval(3_600)
            let counts = try await gazette.store.saveArticles([edited], existing: .update)
            #expect(counts.updated == 1)

            let again = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.ifModifiedSince: lastModified]
            )
            #expect(again.status == .ok, "the edit is newer than the reader's copy")
            let body = String(buffer: again.body)
            #expect(body.contains("<title>Corrected headline of the day</title>"))
            let rfc3339 = ISO8601DateFormatter()
            #expect(body.contains("<updated>\(rfc3339.string(from: edited.fetchedAt))</updated>"), "\(body)")
            let changed = try #require(again.headers[.lastModified].flatMap { HTTPDate.parse($0) })
            #expect(changed == edited.fetchedAt)
            let now = try await client.execute(
                uri: "/feeds/country/jp.atom",
                method: .get,
                headers: [.ifModifiedSince: try #require(again.headers[.lastModified])]
            )
            #expect(now.status == .notModified)
        }
    }

    @Test("every kind of feed path, the OPML list, and 404 pages that say what was wrong")
    func paths() async throws {
        try await app.test(.router) { client in
            for path in ["country/jp.rss", "country/jp.json", "topic/climate.atom", "country/ke/climate.atom"] {
                let response = try await client.execute(uri: "/feeds/\(path)", method: .get)
                #expect(response.status == .ok, "\(path)")
            }
            let json = try await client.execute(uri: "/feeds/country/jp.json", method: .get)
            #expect(json.headers[.contentType] == "application/feed+json; charset=utf-8")
            let opml = try await client.execute(uri: "/feeds.opml", method: .get)
            #expect(String(buffer: opml.body).contains("feeds/country/jp.atom"))
            for (path, says) in [
                ("country/xx.atom", "not a lower-case ISO 3166 country code"),
                ("country/JP.atom", "not a lower-case"),
                // Letters that upper-case to a code's: "ıt" (dotless i) to IT, "ﬁ" (a ligature) to FI.
                ("country/ıt.atom", "not a lower-case"), ("country/ﬁ.atom", "not a lower-case"),
                ("country/ıt/climate.atom", "not a lower-case"),
                ("topic/astrology.atom", "is not a topic"),
                ("country/jp.html", "come as .rss, .atom or .json"),
                ("s/0000.atom", "no such feed"),
                // Not the OPML list, cached a moment ago under a key of its own.
                ("feeds.opml", "not .opml"),
                // One spelling per feed: each other one would be a cache entry of its own.
                ("topic/CLIMATE.atom", "is not a topic"), ("country/jp/Climate.atom", "is not a topic"),
            ] {
                let response = try await client.execute(uri: "/feeds/\(path)", method: .get)
                #expect(response.status == .notFound, "\(path)")
                #expect(String(buffer: response.body).contains(says), "\(path)")
            }
            let mine = try await client.execute(
                uri: "/feeds/s/\(gazette.token(for: record.subscriber, action: .feed)).atom",
                method: .get
            )
            #expect(mine.status == .ok)
            for token in [record.subscriber.token, gazette.token(for: record.subscriber, action: .unsubscribe)] {
                let other = try await client.execute(uri: "/feeds/s/\(token).atom", method: .get)
                #expect(other.status == .notFound, "a bare handle or another action's token is no feed address")
            }
            #expect(String(buffer: mine.body).contains("/archive/"), "the private feed links each edition's page")
            // The feed's id is the subscriber's own, and holds nothing of the secret address.
            let feedID = String(buffer: mine.body).firstRange(of: /<id>([^<]*)<\/id>/).map {
                String(buffer: mine.body)[$0]
            }
            #expect(feedID?.hasSuffix(":feeds/s/subscriber-\(record.subscriber.id!)</id>") == true, "\(feedID ?? "")")
            let token = gazette.token(for: record.subscriber, action: .feed)
            for part in token.split(separator: ".") where part.count >= 8 {
                #expect(feedID?.contains(part) == false, "no part of the address token in the id")
            }
        }
    }

    @Test(
        "/metrics: Prometheus's parser reads fetches, articles, stories, editions, deliveries, SMTP times and HTTP responses"
    )
    func metrics() async throws {
        let (server, served) = served()
        try await served.test(.live) { client in
            let port = try #require(client.port)
            _ = try await client.execute(uri: "/feeds/country/jp.atom", method: .get)
            let etag = try await client.execute(uri: "/feeds/country/jp.atom", method: .get).headers[.eTag] ?? ""
            _ = try await client.execute(uri: "/feeds/country/jp.atom", method: .get, headers: [.ifNoneMatch: etag])
            _ = try await client.execute(uri: "/unsubscribe/not-a-token", method: .get)
            let read = try Peers.json(
                try await Peers.runScriptOffPool("check_metrics.py", ["http://127.0.0.1:\(port)/metrics"])
            )
            #expect((read["contentType"] as? String)?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try #require(read["samples"] as? [[Any]])
            func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                samples.first { ($0[0] as? String) == name && ($0[1] as? [String: String]) == labels }?[2] as? Double
            }
            let sources = gazette.configuration.sources.flatMap(\.feeds).count
            #expect(value("gazette_feed_fetches_total", ["result": "stored"]) == Double(sources))
            #expect((value("gazette_articles_total", ["change": "new"]) ?? 0) > 10)
            #expect((value("gazette_stories") ?? 0) > 0)
            #expect(value("gazette_editions_total") == 1)
            #expect(value("gazette_deliveries_total", ["result": "delivered"]) == 1)
            #expect(value("gazette_smtp_transaction_seconds_count") == 1)
            #expect(value("gazette_http_requests_total", ["route": "/feeds/**", "status": "200"]) == 2)
            #expect(value("gazette_http_requests_total", ["route": "/feeds/**", "status": "304"]) == 1)
            #expect(
                server.eventLoopFeedResponses.count(of: 200) == 1 && server.eventLoopFeedResponses.count(of: 304) == 1,
                "polls answered on the event loop are counted under the router's pattern"
            )
            #expect(
                value("gazette_http_requests_total", ["route": "/unsubscribe/{token}", "status": "404"]) == 1,
                "routes are counted by pattern: no token in a label"
            )
            #expect(!samples.contains { "\($0[1])".contains("not-a-token") })
            // A proxy on this machine connects from loopback: any forwarding header closes /metrics.
            for header in ["X-Forwarded-For", "Forwarded", "X-Real-IP", "Via"] {
                let proxied = try await client.execute(
                    uri: "/metrics",
                    method: .get,
                    headers: [HTTPField.Name(header)!: "203.0.113.9"]
                )
                #expect(proxied.status == .notFound, "\(header)")
            }
        }
        // No network peer to check (in process): not served.
        try await app.test(.router) { client in
            let unchecked = try await client.execute(uri: "/metrics", method: .get)
            #expect(unchecked.status == .notFound)
        }
    }

    @Test(
        "origins compare as browsers do; rate limits count an IPv6 client by its /64; proxies are trusted on private networks only"
    )
    func addresses() {
        #expect(WebOrigin("https://News.Example") == WebOrigin("https://news.example:443"))
        #expect(WebOrigin("http://news.example") != WebOrigin("https://news.example"))
        #expect(WebOrigin("http://[::1]:8080") == WebOrigin("http://[::1]:8080/"))
        #expect(WebOrigin("http://127.0.0.1:8080") != WebOrigin("http://127.0.0.1:8081"))
        #expect(WebOrigin("null") == nil && WebOrigin("ftp://x") == nil)
        for (header, gzip) in [
            ("gzip", true), ("deflate, gzip;q=0.5", true), ("gzip;q=0", false), ("GZIP", true), ("*", true),
            ("*;q=0", false), ("br, *;q=0.1", true), ("identity", false), ("gzip;q=0, *", false), ("x-gzip", true),
        ] {
            #expect(FeedReply.acceptsGzip(header) == gzip, "\(header)")
        }
        // RFC 9110 5.6.7's three forms of the same instant.
        let instant = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == instant)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: instant) == instant)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == instant)
        #expect(HTTPDate.parse(HTTPDate.format(instant)) == instant)
        #expect(HTTPDate.parse("Tue, 29 Feb 2028 00:00:00 GMT") != nil, "a leap day")
        for invalid in [
            "Sun, 45 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 99:49:37 GMT", "Sun, 06 Nov 1994 08:61:37 GMT",
            "Mon, 30 Feb 2026 00:00:00 GMT", "Thu, 29 Feb 2027 00:00:00 GMT", "Sun, 06 Nov 1994 08:49 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
        ] {
            #expect(HTTPDate.parse(invalid) == nil, "\(invalid)")
        }
        #expect(
            WebRequestContext.network(of: "2001:db8:1:2:aaaa::1")
                == WebRequestContext.network(of: "2001:db8:1:2:bbbb::9")
        )
        #expect(WebRequestContext.network(of: "2001:db8:1:2::1") != WebRequestContext.network(of: "2001:db8:1:3::1"))
        #expect(WebRequestContext.network(of: "198.51.100.7") == "198.51.100.7")
        // A server listening on :: sees IPv4 clients IPv4-mapped: each its own address, not one /64.
        #expect(WebRequestContext.network(of: "::ffff:198.51.100.7") == "198.51.100.7")
        #expect(
            WebRequestContext.network(of: "::ffff:198.51.100.7") != WebRequestContext.network(of: "::ffff:203.0.113.9")
        )
        for proxy in ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "::1", "fd00::1", "::ffff:127.0.0.1"] {
            #expect(WebRequestContext.isProxyAddress(proxy), "\(proxy)")
        }
        for outside in ["198.51.100.7", "172.32.0.1", "2001:db8::1", "unknown"] {
            #expect(!WebRequestContext.isProxyAddress(outside), "\(outside)")
        }
        for local in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            #expect(WebRequestContext.isLoopback(local), "\(local)")
        }
        for remote in ["10.0.0.1", "::ffff:10.0.0.1", "128.0.0.1", "unknown", nil] as [String?] {
            #expect(!WebRequestContext.isLoopback(remote), "\(remote ?? "nil")")
        }
    }

    @Test("the rate limiter remembers at most maxClients addresses, a flood of new ones included")
    func rateLimiterBound() {
        let limiter = RateLimiter(perHour: 2, maxClients: 4)
        let start = Date(timeIntervalSince1970: 1_795_900_000)
        for index in 0..<1_000 {
            #expect(limiter.take("198.51.100.\(index)", now: start + Double(index)) == nil, "a new client is allowed")
            #expect(limiter.rememberedClients <= 4)
        }
        // The newest are still remembered: a client just seen keeps its spent allowance.
        #expect(limiter.take("198.51.100.999", now: start + 1_000) == nil)
        #expect(limiter.take("198.51.100.999", now: start + 1_000) != nil)
    }

    @Test("If-None-Match: lists, spaces, * alone, and weak tags match; another tag, a bare value or * in a list do not")
    func entityTags() {
        let etag = #""bee7919cb0af7d80""#
        for header in [
            etag, #"W/"bee7919cb0af7d80""#, #""a", "bee7919cb0af7d80""#, " \t\(etag) , \"b\"", "*", " * ",
        ] {
            #expect(EntityTag.list(header, matches: etag), "\(header)")
        }
        for header in ["", #""bee7919cb0af7d8""#, "bee7919cb0af7d80", #""a", "b""#, #"W/"other""#, ",,", #""a", *"#] {
            #expect(!EntityTag.list(header, matches: etag), "\(header)")
        }
    }

    @Test("an edition's archive page is the HTML that was mailed; an unknown one is 404")
    func archive() async throws {
        let edition = try #require(
            try await gazette.store.editions(subscriptionID: record.subscription.id!, limit: 1).first
        )
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/archive/\(edition.key)", method: .get)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body) == edition.html)
            let missing = try await client.execute(uri: "/archive/2026-11-28-0000000000000000", method: .get)
            #expect(missing.status == .notFound)
            // Past `retention.editionDays`, the message is deleted: the page says so.
            #expect(edition.status == .delivered)
            _ = try await gazette.store.prune(articlesBefore: .distantPast, editionsBefore: .distantFuture)
            let pruned = try await client.execute(uri: "/archive/\(edition.key)", method: .get)
            #expect(pruned.status == .gone)
            #expect(String(buffer: pruned.body).contains("Editions are kept for 60 days"))
        }
    }

    @Test(
        "unsubscribe: GET shows a button and changes nothing; RFC 8058 POST, urlencoded or multipart, unsubscribes, idempotently"
    )
    func unsubscribe() async throws {
        let token = gazette.token(for: record.subscriber, action: .unsubscribe)
        let handle = record.subscriber.token
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/unsubscribe/\(token)", method: .get)
            #expect(page.status == .ok && String(buffer: page.body).contains("<form method=\"post\""))
            #expect(
                try await gazette.store.subscriber(token: handle)?.subscriber.status == .active,
                "a GET changes nothing"
            )

            let empty = try await client.execute(
                uri: "/unsubscribe/\(token)",
                method: .post,
                body: ByteBuffer(string: "x=1")
            )
            #expect(empty.status == .badRequest)
            #expect(try await gazette.store.subscriber(token: handle)?.subscriber.status == .active)

            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            // Tampered (the MAC, the subscriber, the action), another action's token, a bare handle,
            // garbage: 404, and the subscriber stays.
            let flipped = String(token.dropLast()) + (token.last == "A" ? "Q" : "A")
            let fields = token.split(separator: ".").map(String.init)
            let otherHandle = [fields[0], fields[1], fields[2], "0123456789abcdef0123456789abcdef", fields[4]]
            let otherAction = [fields[0], "m", fields[2], fields[3], fields[4]]
            @Sendable func oneClick(_ token: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/unsubscribe/\(token)",
                    method: .post,
                    headers: form,
                    body: ByteBuffer(string: "List-Unsubscribe=One-Click")
                )
            }
            for bad in [
                flipped, otherHandle.joined(separator: "."), otherAction.joined(separator: "."),
                gazette.token(for: record.subscriber, action: .manage), handle, "....",
                String(repeating: "a", count: 5_000),
            ] {
                let refused = try await oneClick(bad)
                #expect(refused.status == .notFound, "\(bad.prefix(60))")
                #expect(try await gazette.store.subscriber(token: handle)?.subscriber.status == .active)
            }
            for _ in 0..<2 {
                let done = try await oneClick(token)
                #expect(done.status == .ok, "no redirect, and the same answer the second time")
                #expect(String(buffer: done.body).contains("You are unsubscribed"))
            }
            #expect(try await gazette.store.subscriber(token: handle)?.subscriber.status == .unsubscribed)

            let other = try await gazette.store.subscribe(
                EmailAddress("second@example.org")!,
                preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
                status: .active,
                now: Date()
            )
            let boundary = "gazette-test-boundary"
            let multipart =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--\(boundary)--\r\n"
            let done = try await client.execute(
                uri: "/unsubscribe/\(gazette.token(for: other.subscriber, action: .unsubscribe))",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: multipart)
            )
            #expect(done.status == .ok)
            #expect(
                try await gazette.store.subscriber(token: other.subscriber.token)?.subscriber.status == .unsubscribed
            )

            let bad = try await oneClick("0123456789abcdef0123456789abcdef")
            #expect(bad.status == .notFound)
        }
    }

    @Test("a new article changes the feed's ETag: the cache follows the store")
    func cacheFollowsStore() async throws {
        try await app.test(.router) { client in
            let before = try await client.execute(uri: "/feeds/country/jp.atom", method: .get).headers[.eTag]
            _ = try await gazette.store.saveArticles([
                Article(
                    sourceID: "eveningpost",
                    guid: "fresh",
                    url: "https://eveningpost.example/fresh",
                    title: "A fresh story from Tokyo",
                    text: "Fresh words.",
                    publishedAt: Date(timeIntervalSince1970: 1_795_899_000),
                    fetchedAt: Date(timeIntervalSince1970: 1_795_899_000),
                    country: Country(code: "JP")!,
                    language: "en"
                )
            ])
            let after = try await client.execute(uri: "/feeds/country/jp.atom", method: .get)
            #expect(after.headers[.eTag] != before)
            #expect(String(buffer: after.body).contains("A fresh story from Tokyo"))
        }
    }

    @Test(
        "live: a cached poll answered on the event loop has the router's status, headers and bytes; pipelined answers keep their order"
    )
    func eventLoopAnswers() async throws {
        let (server, served) = served()
        try await served.test(.live) { client in
            let uri = "/feeds/country/jp.atom"
            // The first poll fills the cache, through the router.
            let etag = try #require(try await client.execute(uri: uri, method: .get).headers[.eTag])
            let requests: [(HTTPRequest.Method, HTTPFields)] = [
                (.get, [:]), (.get, [.acceptEncoding: "gzip"]), (.head, [:]), (.get, [.ifNoneMatch: etag]),
            ]
            try await app.test(.router) { router in
                for (method, headers) in requests {
                    let onLoop = try await client.execute(uri: uri, method: method, headers: headers)
                    let byRouter = try await router.execute(uri: uri, method: method, headers: headers)
                    #expect(onLoop.status == byRouter.status, "\(method) \(headers)")
                    #expect(onLoop.body == byRouter.body, "\(method) \(headers)")
                    var (loopFields, routerFields) = (onLoop.headers, byRouter.headers)
                    #expect(loopFields[.date] != nil, "\(method) \(headers)")
                    // The router alone (no server around it) sets neither Date nor Server.
                    loopFields[.date] = nil
                    loopFields[.server] = nil
                    #expect(loopFields == routerFields, "\(method) \(headers)")
                }
            }
            #expect(server.eventLoopFeedResponses.count(of: 200) == 3, "GET, gzip and HEAD")
            #expect(server.eventLoopFeedResponses.count(of: 304) == 1)

            // The unknown feeds go to the router, which answers later than the cache would.
            let port = try #require(client.port)
            let read = try Peers.json(
                try await Peers.runScriptOffPool(
                    "pipelined_get.py",
                    ["127.0.0.1", String(port), "/feeds/country/zz.atom", uri, "/feeds/topic/nothing.rss", uri]
                )
            )
            let responses = try #require(read["responses"] as? [[String: Any]])
            #expect(responses.map { $0["status"] as? Int } == [404, 200, 404, 200])
            #expect((responses[1]["body"] as? String)?.contains("<feed xmlns=") == true)
            #expect((responses[0]["body"] as? String)?.contains("<feed") == false)
        }
    }

    @Test("live: after the daemon's invalidate (an ingest landed), the next poll is rendered anew, not answered stale")
    func eventLoopAfterInvalidate() async throws {
        let (server, served) = served()
        try await served.test(.live) { client in
            let uri = "/feeds/country/jp.atom"
            _ = try await client.execute(uri: uri, method: .get)
            let before = try await client.execute(uri: uri, method: .get)
            #expect(server.eventLoopFeedResponses.count(of: 200) == 1, "the second poll came from the cache")
            _ = try await gazette.store.saveArticles([
                Article(
                    sourceID: "eveningpost",
                    guid: "after-invalidate",
                    url: "https://eveningpost.example/after-invalidate",
                    title: "News that arrived with the last ingest",
                    text: "Fresh words.",
                    publishedAt: Date(timeIntervalSince1970: 1_795_899_500),
                    fetchedAt: Date(timeIntervalSince1970: 1_795_899_500),
                    country: Country(code: "JP")!,
                    language: "en"
                )
            ])
            await server.invalidate()
            let after = try await client.execute(uri: uri, method: .get)
            #expect(after.headers[.eTag] != before.headers[.eTag])
            #expect(String(buffer: after.body).contains("News that arrived with the last ingest"))
            #expect(server.eventLoopFeedResponses.count(of: 200) == 1, "the router rendered it")
            let again = try await client.execute(uri: uri, method: .get)
            #expect(again.headers[.eTag] == after.headers[.eTag])
            #expect(server.eventLoopFeedResponses.count(of: 200) == 2, "and the cache answers the next poll")
        }
    }

    @Test("live on 127.0.0.1: feedparser reads the feed with bozo 0; newsboat's repeated poll gets 304")
    func live() async throws {
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = "http://127.0.0.1:\(port)/feeds/country/jp.atom"
            let checked = try Peers.json(try await Peers.runScriptOffPool("check_feeds.py", [url]))
            let feed = try #require(checked[url] as? [String: Any])
            #expect(feed["bozo"] as? Int == 0 && feed["status"] as? Int == 200, "\(feed)")
            #expect((feed["entries"] as? Int ?? 0) > 0)
            let before = web.feedResponses.count(of: 304)
            _ = try await Peers.runScriptOffPool("newsboat_reload.py", ["--polls", "3", url])
            #expect(web.feedResponses.count(of: 304) > before, "newsboat sent its validators and got 304")
        }
    }
}

/// Subscribing in a browser, with double opt-in: the form, the confirmation email in a real
/// outbox folder (parsed by Python's email package), and the confirmation page.
@Suite("HTTP: sign-up with double opt-in")
struct SignupTests {
    let folder: TemporaryDirectory
    let gazette: Gazette
    let web: WebServer
    let outbox: URL

    init() async throws {
        folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        outbox = folder.file("outbox")
        configuration.delivery.outboxDirectory = outbox.path
        gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { Date() }
        )
        web = WebServer(gazette: gazette, transport: OutboxTransport(directory: outbox))
    }

    var app: some ApplicationProtocol { Application(router: web.router()) }

    /// A server as `gazette serve` runs it, whose cached feeds stay fresh for the test's length:
    /// polls after the first are answered on the event loop (`CachedFeedHandler`).
    func served() -> (WebServer, some ApplicationProtocol) {
        let server = WebServer(gazette: gazette, versionRecheck: .seconds(3_600))
        return (server, server.application(host: "127.0.0.1", port: 0))
    }

    func emails() -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".eml") }
            .map { outbox.appendingPathComponent($0) }
    }

    /// A form POST; a sign-up goes on after its answer, and is waited for here.
    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        let response = try await client.execute(
            uri: uri,
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body)
        )
        await web.finishSignups()
        return response
    }

    /// The `/confirm/{token}` path in an email's text.
    func confirmLink(in text: String) -> String? {
        text.firstMatch(of: /\/confirm\/[A-Za-z0-9._-]+/).map { String($0.output) }
    }

    @Test(
        "a confirmation link: expired after 48 hours (410), tampered or for another action (404); none changes anything"
    )
    func confirmationTokens() async throws {
        let email = EmailAddress("late@example.org")!
        _ = try await gazette.requestSubscription(
            email,
            preferences: SubscriptionPreferences(countries: [Country(code: "JP")!]),
            transport: OutboxTransport(directory: outbox)
        )
        let record = try #require(try await gazette.store.subscriber(email))
        let mail = try Peers.json(Peers.runScript("check_email.py", [try #require(emails().first).path]))
        let text = try #require((mail["parts"] as? [[String: Any]])?.first?["text"] as? String)
        let link = try #require(confirmLink(in: text))
        let later = WebServer(
            gazette: gazette.with(now: { Date().addingTimeInterval(48 * 3_600 + 60) }),
            transport: OutboxTransport(directory: outbox)
        )
        try await Application(router: later.router()).test(.router) { client in
            let shown = try await client.execute(uri: link, method: .get)
            let posted = try await post(client, link, "")
            #expect(shown.status == .gone && posted.status == .gone)
        }
        try await app.test(.router) { client in
            let manage = try await post(
                client,
                "/confirm/\(gazette.token(for: record.subscriber, action: .manage))",
                ""
            )
            #expect(manage.status == .notFound, "a manage token confirms nothing")
            let edited = try await post(client, link + "x", "")
            #expect(edited.status == .notFound, "an edited token confirms nothing")
            let bare = try await post(client, "/confirm/\(record.subscriber.token)", "")
            #expect(bare.status == .notFound, "the bare handle confirms nothing")
        }
        #expect(try await gazette.store.subscriber(email)?.subscriber.status == .pending)
    }

    @Test(
        "form → confirmation email → confirm page → POST: an active subscription; the answer never tells who is subscribed"
    )
    func doubleOptIn() async throws {
        try await app.test(.router) { client in
            let form = try await client.execute(uri: "/", method: .get)
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            #expect(html.contains("name=\"country\" value=\"JP\"") && html.contains("name=\"website\""))

            let fields =
                "email=reader%40example.org&country=JP&country=KE&topic=climate&frequency=weekdays&hour=6"
                + "&timeZone=Asia%2FTokyo&website="
            let first = try await post(client, "/subscribe", fields)
            #expect(first.status == .ok && String(buffer: first.body).contains("Check your email"))
            let record = try #require(try await gazette.store.subscriber(EmailAddress("reader@example.org")!))
            #expect(record.subscriber.status == .pending)
            #expect(record.subscription.frequency == .weekdays && record.subscription.sendHour == 6)
            #expect(record.subscription.timeZone.identifier == "Asia/Tokyo")
            #expect(emails().count == 1)
            let mail = try Peers.json(Peers.runScript("check_email.py", [emails()[0].path]))
            #expect((mail["defects"] as? [String]) == [])
            let text = try #require((mail["parts"] as? [[String: Any]])?.first?["text"] as? String)
            let link = try #require(confirmLink(in: text), "the email carries the confirmation link")
            guard
                case .valid(record.subscriber.token) = gazette.tokens.check(
                    String(link.dropFirst("/confirm/".count)),
                    action: .confirm,
                    now: Date()
                )
            else {
                Issue.record("the link's token is a confirmation token for this subscriber")
                return
            }

            // Asking again the same day: the same page, no second email.
            let again = try await post(client, "/subscribe", fields)
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(emails().count == 1)

            let confirmPage = try await client.execute(uri: link, method: .get)
            #expect(String(buffer: confirmPage.body).contains("<form method=\"post\" action=\"\(link)\""))
            #expect(try await gazette.store.subscriber(token: record.subscriber.token)?.subscriber.status == .pending)
            let confirmed = try await post(client, link, "List-Unsubscribe=One-Click")
            #expect(confirmed.status == .ok && String(buffer: confirmed.body).contains("You are subscribed"))
            #expect(try await gazette.store.subscriber(token: record.subscriber.token)?.subscriber.status == .active)
            let twice = try await post(client, link, "")
            #expect(twice.status == .ok, "confirming twice says the same")

            // An active address: the same answer, nothing changes, nothing is sent.
            let active = try await post(client, "/subscribe", fields.replacingOccurrences(of: "hour=6", with: "hour=9"))
            #expect(String(buffer: active.body) == String(buffer: first.body))
            #expect(try await gazette.store.subscriber(token: record.subscriber.token)?.subscription.sendHour == 6)
            #expect(emails().count == 1)
        }
    }

    @Test(
        "/manage/{token}: the form filled with the reader's settings; save changes them; pause stops mail; save resumes"
    )
    func manage() async throws {
        let record = try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(
                countries: [Country(code: "JP")!],
                topics: [Topic("climate")!],
                frequency: .weekdays,
                sendHour: 6,
                timeZone: TimeZone(identifier: "Asia/Tokyo")!
            ),
            status: .active,
            now: Date()
        )
        let link = "/manage/\(gazette.token(for: record.subscriber, action: .manage))"
        try await app.test(.router) { client in
            let page = String(buffer: try await client.execute(uri: link, method: .get).body)
            #expect(page.contains("name=\"country\" value=\"JP\" checked"))
            #expect(page.contains("name=\"country\" value=\"KE\">"), "others unchecked")
            #expect(page.contains("name=\"topic\" value=\"climate\" checked"))
            #expect(page.contains("value=\"weekdays\" checked") && page.contains("<option value=\"6\" selected>"))
            #expect(page.contains("value=\"Asia/Tokyo\"") && page.contains("For reader@example.org"))
            #expect(!page.contains("name=\"email\""), "the address is not editable here")

            let saved = try await post(
                client,
                link,
                "country=KE&country=DE&frequency=daily&hour=8&timeZone=Europe%2FBerlin&action=save"
            )
            #expect(saved.status == .ok)
            var now = try #require(try await gazette.store.subscriber(token: record.subscriber.token))
            #expect(now.subscription.countries.map(\.code) == ["DE", "KE"] && now.subscription.sendHour == 8)
            #expect(now.subscription.topics.isEmpty && now.subscription.timeZone.identifier == "Europe/Berlin")

            let paused = try await post(client, link, "action=pause")
            #expect(String(buffer: paused.body).contains("Your digest is paused"))
            now = try #require(try await gazette.store.subscriber(token: record.subscriber.token))
            #expect(now.subscriber.status == .unsubscribed)
            #expect(String(buffer: try await client.execute(uri: link, method: .get).body).contains("Save and resume"))

            let bad = try await post(client, link, "country=ZZ&action=save")
            #expect(bad.status == .badRequest)
            _ = try await post(client, link, "country=KE&frequency=daily&hour=8&timeZone=Europe%2FBerlin&action=save")
            #expect(try await gazette.store.subscriber(token: record.subscriber.token)?.subscriber.status == .active)
            let unknown = try await client.execute(uri: "/manage/0123456789abcdef0123456789abcdef", method: .get)
            #expect(unknown.status == .notFound)

            // A field sent twice by a crafted form counts once.
            _ = try await post(
                client,
                link,
                "country=KE&country=KE&country=DE&topic=climate&topic=climate&frequency=daily&hour=8"
                    + "&timeZone=Europe%2FBerlin&action=save"
            )
            let deduplicated = try #require(try await gazette.store.subscriber(token: record.subscriber.token))
            #expect(deduplicated.subscription.countries.map(\.code) == ["DE", "KE"])
            #expect(deduplicated.subscription.topics.map(\.slug) == ["climate"])

            // Unsubscribed (one click), not paused: the old settings link resumes nothing.
            _ = try await gazette.store.unsubscribe(record.subscriber.email)
            let gone = String(buffer: try await client.execute(uri: link, method: .get).body)
            #expect(gone.contains("You are unsubscribed") && !gone.contains("name=\"country\""))
            for form in ["country=KE&frequency=daily&hour=8&timeZone=Europe%2FBerlin&action=save", "action=pause"] {
                let refused = String(buffer: try await post(client, link, form).body)
                #expect(refused.contains("You are unsubscribed"), "\(form)")
                let after = try #require(try await gazette.store.subscriber(token: record.subscriber.token))
                #expect(after.subscriber.status == .unsubscribed && !after.subscriber.isPaused, "\(form)")
            }
        }
    }

    @Test(
        "abuse: a POST from another site's page is refused (403); past the hourly allowance per client address, 429 with Retry-After"
    )
    func abuse() async throws {
        var configuration = gazette.configuration
        configuration.server.formPostsPerHourPerIP = 3
        configuration.server.trustForwardedFor = true
        let clock = ManualClock(Date())
        let guarded = WebServer(
            gazette: Gazette(
                configuration: configuration,
                store: gazette.store,
                renderer: gazette.renderer,
                logger: gazette.logger,
                tokens: gazette.tokens,
                now: { clock.now }
            ),
            transport: OutboxTransport(directory: outbox)
        )
        @Sendable func submit(
            _ client: some TestClientProtocol,
            from address: String,
            _ headers: HTTPFields = [:],
            email: String = "x@example.org"
        ) async throws -> TestResponse {
            var all: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            all[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.250, \(address)"
            all.append(contentsOf: headers)
            return try await client.execute(
                uri: "/subscribe",
                method: .post,
                headers: all,
                body: ByteBuffer(string: "email=\(email.replacingOccurrences(of: "@", with: "%40"))&country=JP")
            )
        }
        // Live: the connection's peer (127.0.0.1) is a proxy address, so X-Forwarded-For counts.
        try await Application(router: guarded.router()).test(.live) { client in
            let crossSite: [HTTPFields] = [
                [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"], [.origin: "https://evil.example"], [.origin: "null"],
            ]
            for headers in crossSite {
                let refused = try await submit(client, from: "198.51.100.1", headers, email: "csrf@example.org")
                #expect(refused.status == .forbidden, "\(headers)")
            }
            #expect(try await gazette.store.subscriber(EmailAddress("csrf@example.org")!) == nil)
            // A sibling subdomain's page is another site's too.
            let sibling = try await submit(
                client,
                from: "198.51.100.1",
                [HTTPField.Name("Sec-Fetch-Site")!: "same-site"]
            )
            #expect(sibling.status == .forbidden)
            // The site's own origin however it is spelt: the case of the host, the default port.
            let sameSite: [HTTPFields] = [
                [HTTPField.Name("Sec-Fetch-Site")!: "same-origin"], [.origin: "http://LOCALHOST:8080"], [:],
            ]
            for (index, headers) in sameSite.enumerated() {
                let allowed = try await submit(client, from: "198.51.100.2", headers, email: "ok\(index)@example.org")
                #expect(allowed.status == .ok, "\(headers)")
            }
            let fourth = try await submit(client, from: "198.51.100.2", email: "ok3@example.org")
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.headers[.retryAfter] == "1200")
            #expect(try await gazette.store.subscriber(EmailAddress("ok3@example.org")!) == nil)
            #expect(
                try await submit(client, from: "198.51.100.3").status == .ok,
                "another client has its own allowance"
            )
            clock.advance(by: 1_200)
            #expect(try await submit(client, from: "198.51.100.2", email: "ok3@example.org").status == .ok)
            #expect(try await submit(client, from: "198.51.100.2", email: "ok4@example.org").status == .tooManyRequests)
        }
        await guarded.finishSignups()
        #expect(try await gazette.store.subscriber(EmailAddress("ok3@example.org")!)?.subscriber.status == .pending)
    }

    @Test("the answer to a sign-up does not wait for its email: the same page comes back while the email is held")
    func answerBeforeEmail() async throws {
        let held = HeldTransport(OutboxTransport(directory: outbox))
        let web = WebServer(gazette: gazette, transport: held)
        try await Application(router: web.router()).test(.router) { client in
            let answer = try await client.execute(
                uri: "/subscribe",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=held%40example.org&country=JP")
            )
            #expect(answer.status == .ok && String(buffer: answer.body).contains("Check your email"))
            #expect(emails().isEmpty, "the email is still held")
            held.release()
            await web.finishSignups()
            #expect(emails().count == 1)
        }
    }

    @Test("bad fields are named on the form; the honeypot and unknown tokens change nothing")
    func refusals() async throws {
        try await app.test(.router) { client in
            let badEmail = try await post(client, "/subscribe", "email=not-an-address&country=JP")
            #expect(badEmail.status == .badRequest && String(buffer: badEmail.body).contains("valid email address"))
            // Percent-encoding that does not decode is no address either.
            let garbled = try await post(client, "/subscribe", "email=a%zz%40example.org&country=JP")
            #expect(garbled.status == .badRequest && String(buffer: garbled.body).contains("valid email address"))
            let badCountry = try await post(client, "/subscribe", "email=a%40example.org&country=ZZ")
            #expect(badCountry.status == .badRequest && String(buffer: badCountry.body).contains("countries listed"))
            let badZone = try await post(client, "/subscribe", "email=a%40example.org&country=JP&timeZone=Mars%2FBase")
            #expect(String(buffer: badZone.body).contains("Mars/Base"))
            let robot = try await post(
                client,
                "/subscribe",
                "email=bot%40example.org&country=JP&website=http%3A%2F%2Fspam"
            )
            #expect(robot.status == .ok)
            #expect(try await gazette.store.subscriber(EmailAddress("bot@example.org")!) == nil)
            #expect(emails().isEmpty)
            let unknown = try await client.execute(uri: "/confirm/0123456789abcdef0123456789abcdef", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("in headless Chromium (Selenium): fill the form, follow the emailed link, confirm; screenshots kept")
    func browser() async throws {
        let screenshots = Paths.repository.appendingPathComponent(".build/test-artifacts/browser-signup")
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let result = try Peers.json(
                try await Peers.runScriptOffPool(
                    "browser_signup.py",
                    ["http://127.0.0.1:\(port)", outbox.path, screenshots.path, "browser@example.org"]
                )
            )
            #expect(
                result["headings"] as? [String] == [
                    "Check your email", "Confirm your subscription", "You are subscribed",
                ]
            )
            #expect((result["final"] as? String)?.contains("browser@example.org") == true)
        }
        let record = try await gazette.store.subscriber(EmailAddress("browser@example.org")!)
        #expect(record?.subscriber.status == .active)
        #expect(
            record?.subscription.countries == [Country(code: "JP")!]
                && record?.subscription.topics.map(\.slug) == ["climate"]
        )
        for name in ["1-form", "2-check-your-email", "3-confirm", "4-subscribed"] {
            #expect(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent(name + ".png").path))
        }
    }
}

/// A real transport whose confirmation emails wait until the test releases them.
final class HeldTransport: MailTransport {
    let inner: OutboxTransport
    private let gate: AsyncStream<Void>
    private let opener: AsyncStream<Void>.Continuation
    var parallelism: Int { inner.parallelism }
    var perDomain: Int { inner.perDomain }

    init(_ inner: OutboxTransport) {
        self.inner = inner
        (gate, opener) = AsyncStream.makeStream()
    }

    func release() { opener.finish() }

    func deliver(_ message: [UInt8], messageID: String, from: EmailAddress, to: EmailAddress) async -> TransportOutcome
    {
        for await _ in gate {}
        return await inner.deliver(message, messageID: messageID, from: from, to: to)
    }

    func deliverBlocking(
        _ message: [UInt8],
        messageID: String,
        from: EmailAddress,
        to: EmailAddress,
        connection: Int,
        beforeHandover: @escaping () -> Bool
    ) -> TransportOutcome {
        inner.deliverBlocking(
            message,
            messageID: messageID,
            from: from,
            to: to,
            connection: connection,
            beforeHandover: beforeHandover
        )
    }
}
