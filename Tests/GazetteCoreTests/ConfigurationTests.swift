import Foundation
import GazetteCore
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    let folder = URL(fileURLWithPath: "/srv/gazette")

    /// A minimal valid document, with `edit` applied to its JSON object first.
    func parse(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> GazetteConfiguration {
        var document: [String: Any] = [
            "sources": [
                ["id": "dw", "name": "DW", "country": "de", "language": "en", "feeds": ["https://rss.dw.com/x"]]
            ],
            "delivery": ["from": "Gazette <digest@news.example.org>"],
            "site": ["baseURL": "https://news.example.org"],
        ]
        edit(&document)
        return try GazetteConfiguration.parse(JSONSerialization.data(withJSONObject: document), relativeTo: folder)
    }

    func error(_ edit: (inout [String: Any]) -> Void) -> ConfigurationError? {
        do {
            _ = try parse(edit)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test("a minimal config gets the embedded defaults, with paths made absolute")
    func defaults() throws {
        let configuration = try parse()
        #expect(configuration.sources[0].country == Country(code: "DE"))
        #expect(configuration.delivery.mode == .outbox)
        #expect(configuration.database.path == "/srv/gazette/gazette.sqlite")
        #expect(configuration.delivery.outboxDirectory == "/srv/gazette/outbox")
        #expect(configuration.feeds.outputDirectory == "/srv/gazette/feeds")
        #expect(configuration.delivery.from.displayName == "Gazette")
    }

    @Test("digest, templates and the unsubscribe mailbox: defaults, values, and errors with their paths")
    func digestAndTemplates() throws {
        let defaults = try parse()
        #expect(defaults.digest.maxStories == 10 && !defaults.digest.sendEmptyEditions)
        #expect(defaults.templatesDirectory == nil && defaults.delivery.unsubscribeAddress == nil)
        let set = try parse {
            $0["digest"] = ["maxStories": 5, "sendEmptyEditions": true]
            $0["templates"] = ["directory": "my-templates"]
            $0["delivery"] = ["from": "a@b.org", "unsubscribeAddress": "leave@b.org"]
        }
        #expect(set.digest.maxStories == 5 && set.digest.sendEmptyEditions)
        #expect(set.templatesDirectory == "/srv/gazette/my-templates")
        #expect(set.delivery.unsubscribeAddress?.value == "leave@b.org")
        #expect(error { $0["digest"] = ["maxStories": 0] }?.path == "digest.maxStories")
        #expect(error { $0["templates"] = ["dir": "x"] }?.path == "templates.dir")
        #expect(
            error { $0["delivery"] = ["from": "a@b.org", "unsubscribeAddress": "nope"] }?.path
                == "delivery.unsubscribeAddress"
        )
    }

    @Test("delivery: retry schedule, SMTP connections and rate, DKIM keys; errors name their paths")
    func deliveryKeys() throws {
        let set = try parse {
            $0["delivery"] = [
                "from": "a@b.org", "mode": "smtp",
                "smtp": [
                    "url": "smtps://mail.b.org:465", "connections": 4, "messagesPerSecond": 20,
                    "perDomainConnections": 1, "requireTLS": true,
                ],
                "retry": ["initialDelaySeconds": 60, "maxDelaySeconds": 600, "deadlineHours": 6],
                "dkim": [
                    ["domain": "b.org", "selector": "s1", "privateKeyPath": "keys/dkim.pem"],
                    [
                        "domain": "b.org", "selector": "s2", "privateKeyPath": "/etc/ed.pem",
                        "algorithm": "ed25519-sha256",
                    ],
                ],
            ]
        }
        #expect(set.delivery.smtp?.connections == 4 && set.delivery.smtp?.messagesPerSecond == 20)
        #expect(set.delivery.smtp?.perDomainConnections == 1)
        #expect(set.delivery.retry.delay(afterAttempts: 1) == 60 && set.delivery.retry.delay(afterAttempts: 3) == 240)
        #expect(set.delivery.retry.delay(afterAttempts: 9) == 600 && set.delivery.retry.deadlineHours == 6)
        #expect(set.delivery.dkim.map(\.algorithm) == [.rsaSHA256, .ed25519SHA256])
        #expect(set.delivery.dkim.first?.privateKeyPath == "/srv/gazette/keys/dkim.pem")
        let defaults = try parse().delivery.retry
        #expect(defaults.delay(afterAttempts: 1) == 300 && defaults.delay(afterAttempts: 5) == 3_600)
        #expect(
            error { $0["delivery"] = ["from": "a@b.org", "retry": ["deadlineHours": 0]] }?.path
                == "delivery.retry.deadlineHours"
        )
        #expect(
            error { $0["delivery"] = ["from": "a@b.org", "dkim": [["domain": "b.org", "selector": "s"]]] }?.path
                == "delivery.dkim[0].privateKeyPath"
        )
        #expect(
            error {
                $0["delivery"] = [
                    "from": "a@b.org",
                    "dkim": [["domain": "b", "selector": "s", "privateKeyPath": "k", "algorithm": "dsa"]],
                ]
            }?.path == "delivery.dkim[0].algorithm"
        )
    }

    @Test("scheduling: lateness, ingest interval and subscription defaults; a bad zone is named")
    func scheduling() throws {
        let set = try parse {
            $0["scheduling"] = [
                "latenessHours": 2, "ingestIntervalMinutes": 15, "defaultHour": 6, "defaultTimeZone": "Asia/Kathmandu",
            ]
        }
        #expect(set.scheduling.latenessHours == 2 && set.scheduling.ingestIntervalMinutes == 15)
        #expect(set.scheduling.defaultHour == 6 && set.scheduling.defaultTimeZone.identifier == "Asia/Kathmandu")
        let bad = error { $0["scheduling"] = ["defaultTimeZone": "Mars/Olympus"] }
        #expect(bad?.path == "scheduling.defaultTimeZone")
        #expect(bad?.description.contains("Mars/Olympus") == true)
    }

    @Test("retention: 90 and 60 days by default, values within their ranges, errors with their paths")
    func retention() throws {
        let defaults = try parse()
        #expect(defaults.retention.articleDays == 90 && defaults.retention.editionDays == 60)
        let set = try parse { $0["retention"] = ["articleDays": 30, "editionDays": 400] }
        #expect(set.retention.articleDays == 30 && set.retention.editionDays == 400)
        #expect(error { $0["retention"] = ["articleDays": 3] }?.path == "retention.articleDays")
        #expect(error { $0["retention"] = ["editionDays": 0] }?.path == "retention.editionDays")
        #expect(error { $0["retention"] = ["articlesDays": 30] }?.path == "retention.articlesDays")
    }

    @Test("a misspelt key is reported with its path")
    func unknownKey() {
        let failure = error { $0["delivery"] = ["from": "a@b.org", "outboxDir": "x"] }
        #expect(failure?.path == "delivery.outboxDir")
        #expect(failure?.description.contains("unknown key") == true)
    }

    @Test("a bad country names the source's index")
    func badCountry() {
        let failure = error {
            $0["sources"] = [
                ["id": "a", "name": "A", "country": "DE", "language": "en", "feeds": ["https://a.example/rss"]],
                ["id": "b", "name": "B", "country": "XX", "language": "en", "feeds": ["https://b.example/rss"]],
            ]
        }
        #expect(failure?.description == #"sources[1].country: "XX" is not an ISO 3166-1 alpha-2 code"#)
    }

    @Test("a missing required key says what was expected")
    func missingKey() {
        #expect(error { $0["site"] = nil }?.path == "site")
        #expect(error { $0["delivery"] = [:] }?.path == "delivery.from")
        #expect(error { $0["sources"] = [] }?.path == "sources")
    }

    @Test("a value of the wrong type names the type found")
    func wrongType() {
        let failure = error { $0["feeds"] = ["maxEntries": "fifty"] }
        #expect(failure?.description == "feeds.maxEntries: expected an integer, found a string")
    }

    @Test("smtp mode needs an smtp block, and credentials never go in the URL")
    func smtp() throws {
        #expect(error { $0["delivery"] = ["mode": "smtp", "from": "a@b.org"] }?.path == "delivery.smtp")
        #expect(
            error {
                $0["delivery"] = [
                    "mode": "smtp", "from": "a@b.org", "smtp": ["url": "smtp://u:secret@mail.example.org"],
                ]
            }?.path == "delivery.smtp.url"
        )
        let failure = error {
            $0["delivery"] = [
                "mode": "smtp", "from": "a@b.org",
                "smtp": ["url": "smtp://mail.example.org", "passwordEnv": "hunter2!"],
            ]
        }
        #expect(failure?.path == "delivery.smtp.passwordEnv")
        #expect(failure?.description.contains("hunter2") == false, "the rejected value may be a password")
        let configuration = try parse {
            $0["delivery"] = [
                "mode": "smtp", "from": "a@b.org",
                "smtp": ["url": "smtps://mail.example.org:465", "username": "u", "passwordEnv": "SMTP_PASSWORD"],
            ]
        }
        #expect(configuration.delivery.smtp?.passwordEnv == "SMTP_PASSWORD")
    }

    @Test("file: feed URLs need ingest.allowFileURLs")
    func fileURLs() throws {
        let local: (inout [String: Any]) -> Void = {
            $0["sources"] = [
                ["id": "s", "name": "S", "country": "FR", "language": "fr", "feeds": ["file:feeds/s.rss"]]
            ]
        }
        #expect(error(local)?.path == "sources[0].feeds[0]")
        let configuration = try parse {
            local(&$0)
            $0["ingest"] = ["allowFileURLs": true]
        }
        #expect(configuration.sources[0].feeds == ["file:///srv/gazette/feeds/s.rss"])
    }

    @Test("a feed URL listed twice, in one source or two, is refused with both places")
    func duplicateFeeds() {
        let failure = error {
            $0["sources"] = [
                ["id": "a", "name": "A", "country": "FR", "language": "fr", "feeds": ["https://x.example/rss"]],
                [
                    "id": "b", "name": "B", "country": "FR", "language": "fr",
                    "feeds": ["https://y.example/rss", "https://x.example/rss"],
                ],
            ]
        }
        #expect(failure?.path == "sources[1].feeds[1]")
        #expect(failure?.description.contains("already listed at sources[0].feeds[0]") == true)
        let twice = error {
            $0["sources"] = [
                [
                    "id": "a", "name": "A", "country": "FR", "language": "fr",
                    "feeds": ["https://x.example/rss", "https://x.example/rss"],
                ]
            ]
        }
        #expect(twice?.path == "sources[0].feeds[1]")
    }

    @Test("a feed URL with another scheme is refused")
    func otherSchemes() {
        let failure = error {
            $0["sources"] = [
                ["id": "s", "name": "S", "country": "FR", "language": "fr", "feeds": ["ftp://x.example/r"]]
            ]
        }
        #expect(failure?.path == "sources[0].feeds[0]")
    }

    @Test("source ids are unique")
    func duplicateIDs() {
        let source: [String: Any] = [
            "id": "a", "name": "A", "country": "DE", "language": "en", "feeds": ["https://a.example/"],
        ]
        #expect(error { $0["sources"] = [source, source] }?.path == "sources[1].id")
    }

    @Test("config.example.json is a realistic deployment: 12+ outlets in 8+ countries, all https")
    func example() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config.example.json")
        let configuration = try GazetteConfiguration.load(contentsOf: file)
        #expect(configuration.sources.count >= 12)
        #expect(Set(configuration.sources.map(\.country)).count >= 8)
        #expect(configuration.sources.allSatisfy { $0.feeds.allSatisfy { $0.hasPrefix("https://") } })
        #expect(configuration.delivery.mode == .smtp)
    }

    @Test("the bundled sample config is valid: 6+ outlets in 4+ countries")
    func samples() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/gazette.sample.json")
        let configuration = try GazetteConfiguration.load(contentsOf: file)
        #expect(configuration.sources.count >= 6)
        #expect(Set(configuration.sources.map(\.country)).count >= 4)
    }

    @Test("topics add keywords to a standard topic or define a new one; bad slugs are named")
    func topics() throws {
        let configuration = try parse {
            $0["topics"] = [
                "economy": ["keywords": ["OPEC"]], "energy": ["keywords": ["oil"], "categories": ["Energy"]],
            ]
        }
        #expect(configuration.topicRules.rules[Topic("economy")!]?.keywords.contains("opec") == true)
        #expect(configuration.topicRules.rules[Topic("energy")!]?.categories == ["energy"])
        #expect(configuration.topicRules.rules.count == TopicRules.standard.rules.count + 1)
        #expect(error { $0["topics"] = ["Bad Slug": ["keywords": []]] }?.path == "topics.Bad Slug")
        #expect(error { $0["topics"] = ["energy": ["words": ["oil"]]] }?.path == "topics.energy.words")
    }

    @Test("not JSON at all is a clear error")
    func notJSON() {
        #expect(throws: ConfigurationError.self) {
            try GazetteConfiguration.parse(Data("sources = []".utf8), relativeTo: folder)
        }
    }
}
