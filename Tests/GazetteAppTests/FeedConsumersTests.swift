import Foundation
import GazetteApp
import GazetteCore
import GazetteMail
import GazetteStore
import Logging
import TestSupport
import Testing

/// Every feed `gazette feeds` writes, read by the consumers people use: RFC 4287's RELAX NG
/// schema (xmllint), feedparser, and newsboat fetching them from a loopback HTTP server.
@Suite("Feeds read by real consumers")
struct FeedConsumersTests {
    let server: LoopbackHTTPServer
    let files: [URL]
    let site: URL

    init() async throws {
        server = try LoopbackHTTPServer()
        let folder = try TemporaryDirectory()
        var configuration = try GazetteConfiguration.load(
            contentsOf: Paths.samples.appendingPathComponent("gazette.sample.json")
        )
        configuration.database.path = folder.file("gazette.sqlite").path
        configuration.delivery.outboxDirectory = folder.file("outbox").path
        site = URL(string: server.url(""))!
        configuration.site.baseURL = site
        let gazette = try await Gazette.open(
            configuration: configuration,
            templatesDirectory: Paths.templates,
            logger: Logger(label: "test"),
            environment: [:],
            now: { Date(timeIntervalSince1970: 1_795_900_000) }
        )
        _ = try await gazette.ingest()
        _ = try await gazette.store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: .init(countries: [Country(code: "KE")!, Country(code: "JP")!]),
            status: .active,
            now: Date(timeIntervalSince1970: 1_795_900_000)
        )
        _ = try await gazette.send(force: true, transport: try gazette.makeTransport())
        // A private feed left from before (a bare handle, an old key): the next write removes it.
        let privateFolder = server.folder.url.appendingPathComponent("feeds/s")
        try FileManager.default.createDirectory(at: privateFolder, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: privateFolder.appendingPathComponent("0123456789abcdef.atom"))
        files = try await gazette.writeFeeds(to: server.folder.url.appendingPathComponent("feeds"))
    }

    @Test("writing the feeds removes private feeds that are no longer current")
    func stalePrivateFeeds() throws {
        let privateFolder = server.folder.url.appendingPathComponent("feeds/s")
        let left = try FileManager.default.contentsOfDirectory(atPath: privateFolder.path).sorted()
        #expect(left == files.filter { $0.path.contains("/s/") }.map(\.lastPathComponent).sorted())
        #expect(!left.contains("0123456789abcdef.atom") && !left.isEmpty)
    }

    func url(_ file: URL) -> String {
        server.url(String(file.path.dropFirst(server.folder.url.path.count + 1)))
    }

    @Test("every Atom feed, public and private, validates against RFC 4287's RELAX NG schema")
    func relaxNG() throws {
        let atom = files.filter { $0.pathExtension == "atom" }
        #expect(atom.contains { $0.path.contains("/s/") }, "the reader's private feed was written")
        // A control: a feed without its required <id> must fail, or the validator is not checking.
        let broken = server.folder.file("broken.atom")
        let text = try String(contentsOf: try #require(atom.first), encoding: .utf8)
        let withoutID = text.replacingOccurrences(
            of: #"<id>tag:[^<]*</id>\n<link rel="self""#,
            with: #"<link rel="self""#,
            options: .regularExpression
        )
        #expect(withoutID != text)
        try withoutID.write(to: broken, atomically: true, encoding: .utf8)
        let schema = Paths.peers.appendingPathComponent("schemas/atom.rnc").path
        let result = try Peers.json(Peers.runScript("validate_atom.py", [schema] + (atom + [broken]).map(\.path)))
        for file in atom {
            let verdict = try #require(result[file.path] as? [String: Any])
            #expect(verdict["valid"] as? Bool == true, "\(file.lastPathComponent): \(verdict["errors"] ?? "")")
        }
        #expect((result[broken.path] as? [String: Any])?["valid"] as? Bool == false)
    }

    @Test("newsboat fetches every RSS and Atom feed over HTTP and reads the entries feedparser reads")
    func newsboat() throws {
        let feeds = files.filter { ["rss", "atom"].contains($0.pathExtension) }
        let expected = try Peers.json(Peers.runScript("check_feeds.py", feeds.map(\.path)))
        let read = try Peers.json(Peers.runScript("newsboat_reload.py", feeds.map(url)))
        for file in feeds {
            let reference = try #require(expected[file.path] as? [String: Any])
            #expect(reference["bozo"] as? Int == 0, "\(file.lastPathComponent): \(reference["exception"] ?? "")")
            let reader = try #require(read[url(file)] as? [String: Any])
            #expect((reference["entries"] as? Int ?? 0) > 0)
            #expect(reader["items"] as? Int == reference["entries"] as? Int, "\(url(file)): \(reader["errors"] ?? "")")
            // newsboat lists items in its own order.
            #expect((reader["titles"] as? [String])?.sorted() == (reference["titles"] as? [String])?.sorted())
        }
    }
}
