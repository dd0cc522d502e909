import Curl
import Foundation
import GazetteCore
import GazetteIngest
import TestSupport
import Testing

/// Fetches over real HTTP from Python's http.server on 127.0.0.1.
@Suite("Feed fetcher over HTTP")
struct FeedFetcherTests {
    let http: LoopbackHTTPServer
    var folder: TemporaryDirectory { http.folder }

    init() throws {
        http = try LoopbackHTTPServer()
        try fixture("rss2.xml").write(to: folder.file("feed.xml"))
    }

    func url(_ path: String) -> String { http.url(path) }

    func fetcher(maxBytes: Int = 1_048_576, allowFiles: Bool = false) -> FeedFetcher {
        FeedFetcher(
            configuration: GazetteConfiguration.Ingest(
                timeoutSeconds: 10,
                maxFeedBytes: maxBytes,
                allowFileURLs: allowFiles
            )
        )
    }

    @Test("a 200 returns the body and its validators; sending them back gets a 304")
    func conditionalGet() async throws {
        let first = try await fetcher().fetch(url("feed.xml"), validators: .init())
        guard case .fetched(let body, let validators) = first else {
            Issue.record("expected a body, got \(first)")
            return
        }
        #expect(try FeedParser.parse(body).items.count == 4)
        let requests = try String(contentsOf: folder.file(".requests"), encoding: .utf8)
        #expect(requests == "GET /feed.xml\n", "the request log works, so the XXE test's silence means something")
        let lastModified = try #require(validators.lastModified)
        let second = try await fetcher().fetch(url("feed.xml"), validators: .init(lastModified: lastModified))
        guard case .notModified = second else {
            Issue.record("expected 304, got \(second)")
            return
        }
    }

    @Test("gzip bodies are decompressed")
    func gzip() async throws {
        guard case .fetched(let body, _) = try await fetcher().fetch(url("gzip/feed.xml"), validators: .init()) else {
            Issue.record("expected a body")
            return
        }
        #expect(try FeedParser.parse(body).items.count == 4)
    }

    @Test("an HTTP error status names the URL and the status")
    func status() async {
        let error = await #expect(throws: FeedFetchError.self) {
            try await fetcher().fetch(url("status/503"), validators: .init())
        }
        #expect(error?.description == "feed \(url("status/503")): HTTP status 503")
    }

    @Test("a body larger than the cap is cut off, not buffered")
    func bodyCap() async {
        let error = await #expect(throws: FeedFetchError.self) {
            try await fetcher(maxBytes: 200_000).fetch(url("endless"), validators: .init())
        }
        #expect(error?.reason.contains("exceeds the limit of 200000 bytes") == true)
    }

    @Test("file: URLs are refused unless allowed")
    func fileScheme() async throws {
        let file = folder.file("feed.xml").absoluteString
        await #expect(throws: FeedFetchError.self) { try await fetcher().fetch(file, validators: .init()) }
        guard case .fetched(let body, _) = try await fetcher(allowFiles: true).fetch(file, validators: .init()) else {
            Issue.record("expected a body")
            return
        }
        #expect(!body.isEmpty)
    }

    @Test("a refused connection is an error naming the URL")
    func refused() async {
        let error = await #expect(throws: FeedFetchError.self) {
            try await fetcher().fetch("http://127.0.0.1:1/feed.xml", validators: .init())
        }
        #expect(error?.url == "http://127.0.0.1:1/feed.xml")
    }
}
