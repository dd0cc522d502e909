import Foundation
import TestSupport
import Testing

/// The `gazette` executable as an operator runs it: exit codes and messages.
@Suite("gazette command line")
struct CommandLineTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
    }

    func gazette(_ arguments: [String], environment: [String: String] = [:]) throws -> Peers.Output {
        var env = ProcessInfo.processInfo.environment
        env["GAZETTE_HOME"] = Paths.repository.path
        env.merge(environment) { $1 }
        return try Peers.run(Paths.gazetteExecutable.path, arguments, environment: env)
    }

    /// A config over two of the samples (copied here) and one extra feed file.
    func writeConfig(extraFeed: String? = nil, deliveryExtra: String = "") throws -> String {
        for name in ["tokyo-evening-post.rss", "nairobi-courier.atom"] {
            try SampleFeeds.copyDatedYesterday(name, to: folder.file(name))
        }
        var feeds = #""file:nairobi-courier.atom""#
        if let extraFeed { feeds += #", "file:\#(extraFeed)""# }
        let config = """
            {
              "sources": [
                {"id": "post", "name": "Post", "country": "JP", "language": "en", "feeds": ["file:tokyo-evening-post.rss"]},
                {"id": "courier", "name": "Courier", "country": "KE", "language": "en", "feeds": [\(feeds)]}
              ],
              "ingest": {"allowFileURLs": true},
              "delivery": {"from": "Gazette <digest@news.example.org>"\(deliveryExtra)},
              "site": {"baseURL": "https://news.example.org"}
            }
            """
        let path = folder.file("gazette.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("--version and --help on every command")
    func help() throws {
        #expect(try gazette(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        for command in [
            "init", "ingest", "subscribe", "unsubscribe", "subscribers", "digest", "send", "feeds", "prune", "demo",
        ] {
            let output = try gazette([command, "--help"])
            #expect(output.status == 0, "\(command)")
            #expect(output.stdout.contains("USAGE: gazette \(command)"), "\(command)")
        }
    }

    @Test("gazette prune deletes what retention no longer keeps and says how much")
    func prune() throws {
        let path = try writeConfig()
        #expect(try gazette(["ingest", "--config", path]).status == 0)
        let output = try gazette(["prune", "--config", path])
        #expect(output.status == 0, "\(output.stderr)")
        // How many depends on today's date and the samples' (November 2026): the sentence does not.
        #expect(
            output.stdout.contains(
                /^deleted \d+ articles, \d+ edition messages, \d+ skipped-edition records$/.anchorsMatchLineEndings()
            ),
            "\(output.stdout)"
        )
    }

    @Test("a config with a misspelt key fails before anything runs, naming the key path")
    func wrongKey() throws {
        let path = try writeConfig(deliveryExtra: #", "outboxDir": "mail""#)
        let output = try gazette(["init", "--config", path])
        #expect(output.status != 0)
        #expect(output.stderr.contains("delivery.outboxDir: unknown key"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("gazette.sqlite").path), "nothing ran")
    }

    @Test("a feed that is not XML: exit 1 and a clear error; the other feeds are stored and earlier articles kept")
    func badFeed() throws {
        let path = try writeConfig(extraFeed: "broken.rss")
        try Data("this is not XML at all".utf8).write(to: folder.file("broken.rss"))
        let first = try gazette(["ingest", "--config", path])
        #expect(first.status == 1)
        #expect(first.stdout.contains("FAILED  courier  feed file://\(folder.file("broken.rss").path): line 1:"))
        #expect(first.stderr.contains("1 of 3 feeds failed"))
        #expect(first.stdout.contains("ok      post"))
        let before = try gazette(["feeds", "--config", path])
        #expect(before.status == 0)
        let second = try gazette(["ingest", "--config", path])
        #expect(second.status == 0, "the broken feed is backing off, so nothing failed this time")
        #expect(second.stdout.contains("skip    courier  file://\(folder.file("broken.rss").path)  backing off until"))
        #expect(second.stdout.contains("0 new of 3"), "already stored, so nothing new and nothing lost")
        let retry = try gazette(["ingest", "--retry", "--config", path])
        #expect(retry.status == 1, "--retry fetches the backing-off feed again")
        let sources = try gazette(["sources", "--config", path])
        #expect(sources.stdout.contains("backing off until"))
        #expect(sources.stdout.contains("(2 failures)"))
        #expect(sources.stdout.contains("articles 24h: 3"))
        let feeds = try Peers.json(
            Peers.runScript("check_feeds.py", [folder.file("feeds/country/jp.atom").path])
        )
        #expect((feeds[folder.file("feeds/country/jp.atom").path] as? [String: Any])?["entries"] as? Int == 3)
    }

    @Test("subscribe, list as JSON, preview the digest as a message, unsubscribe")
    func subscribers() throws {
        let path = try writeConfig()
        #expect(try gazette(["ingest", "--config", path]).status == 0)
        let subscribe = try gazette(["subscribe", "reader@example.org", "--country", "jp", "--config", path])
        #expect(subscribe.status == 0, "\(subscribe.stderr)")
        let list = try gazette(["subscribers", "--json", "--config", path])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["email"] as? String == "reader@example.org")
        #expect(rows?.first?["countries"] as? [String] == ["JP"])
        #expect(rows?.first?["status"] as? String == "active")
        let digest = try gazette(["digest", "reader@example.org", "--format", "eml", "--config", path])
        #expect(digest.status == 0)
        #expect(digest.stdout.contains("Content-Type: multipart/alternative"))
        #expect(try gazette(["unsubscribe", "reader@example.org", "--config", path]).status == 0)
        let missing = try gazette(["unsubscribe", "nobody@example.org", "--config", path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no subscriber nobody@example.org"))
        let invalid = try gazette(["subscribe", "not-an-address", "--country", "JP", "--config", path])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("not a valid email address"))
    }

    @Test("gazette parse reads a folder as the files in it, in name order, skipping sub-folders and hidden files")
    func parseFolder() throws {
        let feeds = folder.file("feeds")
        try FileManager.default.createDirectory(
            at: feeds.appendingPathComponent("nested"),
            withIntermediateDirectories: true
        )
        for (name, copy) in [("tokyo-evening-post.rss", "b.rss"), ("nairobi-courier.atom", "a.atom")] {
            try FileManager.default.copyItem(
                at: Paths.samples.appendingPathComponent("feeds/\(name)"),
                to: feeds.appendingPathComponent(copy)
            )
        }
        try Data("not a feed".utf8).write(to: feeds.appendingPathComponent(".hidden"))
        // Links count as what they lead to: a feed file, or a folder to skip.
        try FileManager.default.createSymbolicLink(
            at: feeds.appendingPathComponent("c.rss"),
            withDestinationURL: feeds.appendingPathComponent("b.rss")
        )
        try FileManager.default.createSymbolicLink(
            at: feeds.appendingPathComponent("d"),
            withDestinationURL: feeds.appendingPathComponent("nested")
        )
        for argument in [feeds.path, feeds.path + "/"] {
            let output = try gazette(["parse", "--summary", argument])
            #expect(output.status == 0, "\(output.stderr)")
            let locations = output.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
            #expect(locations == ["a.atom", "b.rss", "c.rss"].map { feeds.appendingPathComponent($0).path })
        }
    }

    @Test("gazette parse loads libcurl for a URL only: a local file costs no TLS or LDAP library start-up")
    func libcurlOnDemand() throws {
        let file = folder.file("feed.rss")
        try FileManager.default.copyItem(
            at: Paths.samples.appendingPathComponent("feeds/tokyo-evening-post.rss"),
            to: file
        )
        // glibc's loader names every library it opens, linked or dlopen'ed, on standard error.
        let local = try gazette(["parse", "--summary", file.path], environment: ["LD_DEBUG": "files"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stderr.contains("file=libxml2.so"), "LD_DEBUG is not reporting: \(local.stderr.prefix(500))")
        #expect(!local.stderr.contains("libcurl"))
        // Nothing listens on port 1 of the loopback: the fetch fails, after libcurl was loaded.
        // No proxy, whatever the environment says: the error must be the refused connection.
        let remote = try gazette(
            ["parse", "--summary", "http://127.0.0.1:1/feed.rss"],
            environment: ["LD_DEBUG": "files", "NO_PROXY": "*", "no_proxy": "*"]
        )
        #expect(remote.status == 1)
        #expect(remote.stderr.contains("file=libcurl.so.4"))
        #expect(remote.stderr.contains("curl error 7"), "\(remote.stderr.suffix(500))")
    }

    @Test(
        "gazette parse says what is wrong with a feed libxml2's converter rejects, and nothing else on standard error"
    )
    func parseConverterError() throws {
        // UTF-32 (big-endian, no byte-order mark) with a code unit past Unicode: the converter
        // fails, and printed its own "encoding error : input conversion failed…" lines.
        let file = folder.file("utf32.xml")
        var bytes = Data()
        for scalar in "<rss version=\"2.0\"><channel><title>".unicodeScalars {
            bytes += [0, 0, 0, UInt8(scalar.value)]
        }
        bytes += [0x7F, 0xFF, 0xFF, 0xFF]
        try bytes.write(to: file)
        let output = try gazette(["parse", "--summary", file.path])
        #expect(output.status == 1)
        #expect(output.stderr.hasPrefix(file.path + ": "), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 2, "\(output.stderr)")
        #expect(!output.stderr.contains("encoding error"), "\(output.stderr)")
    }

    @Test("gazette parse shows no control character of a hostile feed: no escape sequence reaches the terminal")
    func parseHostileControls() throws {
        let file = folder.file("hostile.json")
        let json = #"""
            {"version": "https://jsonfeed.org/version/1.1", "title": "Feed\u001b]0;owned\u0007",
             "home_page_url": "https://x.example/\u001b[2J",
             "items": [{"id": "id\u001b[2J", "title": "t\u001b[31mred", "content_text": "x\u001bc",
                        "authors": [{"name": "a\u001b[1m"}], "tags": ["c\u001b[0m"]}]}
            """#
        try Data(json.utf8).write(to: file)
        let output = try gazette(["parse", file.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("id:        id\u{FFFD}[2J"))
        let controls = output.stdout.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" }
        #expect(controls.isEmpty, "\(output.stdout.debugDescription)")
    }

    @Test("gazette summarize prints only the summary, one sentence per line, from a file or standard input")
    func summarize() throws {
        let text =
            "The council approved the budget on Monday. It cuts spending by 3.5 percent. "
            + "Dr. Lee said the U.S. grant would help. Critics called it a gamble. Nobody expected that."
        let file = folder.file("article.txt")
        try Data(text.utf8).write(to: file)
        let output = try gazette(["summarize", file.path, "--sentences", "2"])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2)
        #expect(lines.first == "The council approved the budget on Monday.")
        let piped = try Peers.run("/bin/sh", ["-c", "\(Paths.gazetteExecutable.path) summarize - < \(file.path)"])
        let direct = try gazette(["summarize", file.path])
        #expect(piped.stdout == direct.stdout)
        #expect(!piped.stdout.isEmpty)
    }

    @Test("gazette summarize --json-lines echoes each id (number or string) with its summary; a bad line is named")
    func summarizeBatch() throws {
        let lines = [
            #"{"id": 7, "text": "The council approved the budget on Monday. It cuts spending by 3.5 percent. Critics called it a gamble."}"#,
            #"{"id": "x/1", "text": "Rain fell. \"Quite a lot,\" she said."}"#,
        ]
        let file = folder.file("articles.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let output = try gazette(["summarize", file.path, "--json-lines", "--sentences", "2"])
        #expect(output.status == 0)
        let parsed = output.stdout.split(separator: "\n").map {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(parsed.count == 2)
        #expect(parsed.first??["id"] as? Int == 7)
        #expect(
            parsed.first??["summary"] as? [String] == [
                "The council approved the budget on Monday.", "It cuts spending by 3.5 percent.",
            ]
        )
        #expect(parsed.last??["id"] as? String == "x/1")
        #expect(parsed.last??["summary"] as? [String] == ["Rain fell.", "\"Quite a lot,\" she said."])
        try Data(#"{"text": "No id here."}"#.utf8).write(to: file)
        let anonymous = try gazette(["summarize", file.path, "--json-lines"])
        #expect(anonymous.stdout.contains(#""id":null"#), "an absent id is answered with null")
        try Data((lines[0] + "\n{\"id\": 2}\n").utf8).write(to: file)
        let bad = try gazette(["summarize", file.path, "--json-lines"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 2"))
        try Data(#"{"id": [1], "text": "x"}"#.utf8).write(to: file)
        let badID = try gazette(["summarize", file.path, "--json-lines"])
        #expect(badID.status != 0)
        #expect(badID.stderr.contains(#"line 1: "id" must be a string, a number or null"#))
    }

    @Test("gazette cluster prints id and story per article, in file order")
    func cluster() throws {
        let lines = [
            #"{"id": "a", "title": "Magnitude 6.8 quake strikes off Hokkaido", "text": "A strong earthquake struck off Hokkaido, Japan; a tsunami advisory for Kushiro was lifted."}"#,
            #"{"id": "b", "title": "ECB holds rates at 2 percent", "text": "The European Central Bank kept its deposit rate unchanged in Frankfurt."}"#,
            #"{"id": "c", "title": "Hokkaido earthquake: tsunami advisory lifted", "text": "The magnitude 6.8 earthquake off Hokkaido cut power in Kushiro, Japan."}"#,
        ]
        let file = folder.file("articles.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let output = try gazette(["cluster", file.path])
        #expect(output.status == 0)
        #expect(output.stdout == "a\ta\nb\tb\nc\ta\n")
        try Data("not json\n".utf8).write(to: file)
        let bad = try gazette(["cluster", file.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 1"))
        let zero = try gazette(["cluster", file.path, "--salient-boost", "0"])
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--salient-boost must be a positive number"))
        let threshold = try gazette(["cluster", file.path, "--threshold", "0"])
        #expect(threshold.status != 0)
        #expect(threshold.stderr.contains("--threshold must be more than 0 and at most 1"))
    }

    @Test("the SMTP password comes from the environment and never appears in output")
    func smtpSecret() throws {
        let path = try writeConfig(
            deliveryExtra:
                #", "mode": "smtp", "smtp": {"url": "smtp://127.0.0.1:1", "username": "u", "passwordEnv": "GAZETTE_TEST_SMTP_PASSWORD"}"#
        )
        #expect(try gazette(["ingest", "--config", path]).status == 0)
        #expect(try gazette(["subscribe", "reader@example.org", "--country", "KE", "--config", path]).status == 0)
        let unset = try gazette(["send", "--now", "--config", path])
        #expect(unset.status != 0)
        #expect(unset.stderr.contains("GAZETTE_TEST_SMTP_PASSWORD is not set"))
        let secret = "s3cret-Value-42"
        let set = try gazette(
            ["send", "--now", "--config", path, "--verbose"],
            environment: ["GAZETTE_TEST_SMTP_PASSWORD": secret]
        )
        #expect(set.status != 0, "nothing listens on port 1")
        #expect(set.stdout.contains("deferred (0)"))
        #expect(!(set.stdout + set.stderr).contains(secret))
    }

    @Test("gazette deliveries shows the ledger (text and JSON); resend --failed queues a refused edition again")
    func ledgerCommands() throws {
        let mailbox = try TemporaryDirectory()
        let sink = try PeerServer(script: "smtp_sink.py", arguments: [mailbox.url.path])
        let path = try writeConfig(
            deliveryExtra: #", "mode": "smtp", "smtp": {"url": "smtp://127.0.0.1:\#(sink.port)"}"#
        )
        #expect(try gazette(["ingest", "--config", path]).status == 0)
        for address in ["reader@example.org", "reject@example.org"] {
            #expect(try gazette(["subscribe", address, "--country", "KE", "--config", path]).status == 0)
        }
        let send = try gazette(["send", "--now", "--config", path])
        #expect(send.status == 1, "one delivery failed: \(send.stdout)")
        let text = try gazette(["deliveries", "--config", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("reject@example.org\tfailed\t1 attempt\t550\t550 5.1.1 mailbox unavailable"))
        #expect(text.stdout.contains("reader@example.org\tdelivered\t1 attempt\t250"))
        let json = try gazette(["deliveries", "--status", "failed", "--json", "--config", path])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["recipient"] as? String == "reject@example.org")
        #expect(rows.first?["lastReplyCode"] as? Int == 550)
        #expect((rows.first?["history"] as? [[String: Any]])?.count == 1)
        #expect(try gazette(["resend", "--config", path]).status != 0, "resend says what to resend")
        let resend = try gazette(["resend", "--failed", "--config", path])
        #expect(resend.stdout.contains("queued 1 failed edition again"))
        let queued = try gazette(["deliveries", "--status", "queued", "--config", path])
        #expect(queued.stdout.contains("reject@example.org\tqueued"))
        let bad = try gazette(["deliveries", "--status", "lost", "--config", path])
        #expect(bad.status != 0)
        let badSince = try gazette(["deliveries", "--since", "yesterday", "--config", path])
        #expect(badSince.status != 0 && badSince.stderr.contains("--since"), "\(badSince.stderr)")
        let since = try gazette(["deliveries", "--since", "2000-01-01T00:00:00Z", "--config", path])
        #expect(since.stdout.contains("reject@example.org"))
        let future = try gazette(["deliveries", "--since", "2999-01-01T00:00:00Z", "--config", path])
        #expect(!future.stdout.contains("reject@example.org"), "--since filters")
    }

    @Test(
        "subscribe with weekdays and a zone; gazette schedule lists due times in UTC and local time; bad zones are refused"
    )
    func scheduleCommand() throws {
        let path = try writeConfig()
        let subscribed = try gazette([
            "subscribe", "reader@example.org", "--country", "JP", "--frequency", "weekdays", "--hour", "7",
            "--time-zone", "Asia/Kolkata", "--config", path,
        ])
        #expect(subscribed.stdout.contains("weekdays at 7:00 Asia/Kolkata"), "\(subscribed.stdout)")
        let listed = try gazette([
            "schedule", "--from", "2026-12-04T00:00:00Z", "--to", "2026-12-08T00:00:00Z", "--json", "--config", path,
        ])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["period"] as? String } == ["2026-12-04", "2026-12-07"], "Friday, then Monday")
        #expect(rows.first?["utc"] as? String == "2026-12-04T01:30:00Z")
        #expect((rows.first?["local"] as? String)?.hasPrefix("2026-12-04T07:00:00") == true)
        let zone = try gazette([
            "subscribe", "x@example.org", "--country", "JP", "--time-zone", "Mars/Base", "--config", path,
        ])
        #expect(zone.status != 0 && zone.stderr.contains("Mars/Base"))
        let weekday = try gazette([
            "subscribe", "x@example.org", "--country", "JP", "--weekday", "caturday", "--config", path,
        ])
        #expect(weekday.status != 0 && weekday.stderr.contains("--weekday"))
        let status = try gazette(["status", "--config", path])
        #expect(status.status == 0 && status.stdout.contains("next due:"))
    }

    @Test("a JSON Feed of half a million small objects is read in bounded memory")
    func hostileJSONFeedMemory() throws {
        // 4 MB of `{"a":1}`: JSONSerialization's boxed values took over 1.5 GB for it.
        var json = #"{"version": "https://jsonfeed.org/version/1.1", "items": ["#
        json += Array(repeating: #"{"a":1}"#, count: 500_000).joined(separator: ",") + "]}"
        let file = folder.file("objects.json")
        try Data(json.utf8).write(to: file)
        // Python's getrusage sees the child alone, whatever else the test process runs.
        let measure = """
            import resource, subprocess, sys
            status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
            print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let output = try Peers.run(
            Peers.python,
            ["-c", measure, Paths.gazetteExecutable.path, "parse", "--summary", file.path]
        )
        let fields = output.stdout.split(whereSeparator: \.isWhitespace)
        #expect(fields.first == "0", "\(output.stdout) \(output.stderr)")
        let peakKilobytes = fields.last.flatMap { Int($0) } ?? .max
        #expect(peakKilobytes < 250_000, "peak resident memory \(peakKilobytes) KB")
    }
}
