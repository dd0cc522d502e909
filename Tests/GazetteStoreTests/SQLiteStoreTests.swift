import Foundation
import GRDB
import GazetteCore
import TestSupport
import Testing

@testable import GazetteStore

@Suite("SQLite store on a real file")
struct SQLiteStoreTests {
    let folder: TemporaryDirectory
    let store: SQLiteStore
    let de = Country(code: "DE")!
    let fr = Country(code: "FR")!
    let now = Date(timeIntervalSince1970: 1_795_900_000)

    init() throws {
        folder = try TemporaryDirectory()
        store = try SQLiteStore(path: folder.file("db/gazette.sqlite").path)
    }

    func source(_ id: String, _ country: Country) -> Source {
        Source(id: id, name: id.uppercased(), country: country, language: "en", feeds: ["https://\(id).example/rss"])
    }

    func article(
        _ guid: String,
        source: String = "a",
        country: Country? = nil,
        hoursAgo: Double = 1,
        topics: [String] = []
    )
        -> Article
    {
        Article(
            sourceID: source,
            guid: guid,
            url: "https://\(source).example/\(guid)",
            title: "Title \(guid)",
            text: "Text of \(guid).",
            publishedAt: now.addingTimeInterval(-hoursAgo * 3_600),
            fetchedAt: now,
            country: country ?? de,
            language: "en",
            topics: topics.compactMap(Topic.init)
        )
    }

    /// An active reader of Germany and their edition of 2026-11-29 (key "2026-11-29-k"), queued.
    func readerWithEdition(_ email: EmailAddress) async throws -> Edition {
        let record = try await store.subscribe(
            email,
            preferences: SubscriptionPreferences(countries: [de]),
            status: .active,
            now: now
        )
        return try await store.claimEdition(
            Edition(
                subscriptionID: record.subscription.id!,
                period: "2026-11-29",
                messageID: "m1@example.org",
                articleIDs: [],
                createdAt: now,
                key: "2026-11-29-k",
                subject: "s",
                text: "t"
            )
        ).edition
    }

    /// Records the edition as delivered with a 250, as a send does.
    func delivered(_ editionID: Int64, to recipient: EmailAddress) async throws {
        try await store.finishAttempt(
            Delivery(
                editionID: editionID,
                recipient: recipient,
                status: .delivered,
                replyCode: 250,
                replyText: "ok",
                attemptedAt: now
            ),
            status: .delivered,
            nextAttemptAt: nil
        )
    }

    @Test("the file is created, migrated and in WAL mode; reopening it keeps the data")
    func migrations() async throws {
        #expect(try store.appliedMigrations().count == 17)
        #expect(try store.journalMode == "wal")
        try await store.saveSources([source("a", de)])
        #expect(try await store.saveArticles([article("1")]).new == 1)
        let reopened = try SQLiteStore(path: folder.file("db/gazette.sqlite").path)
        #expect(try await reopened.articleCount() == 1)
    }

    @Test("the data version and a send's skipped editions are read through indexes, not by reading every row")
    func hotQueriesUseIndexes() async throws {
        let plans = try await store.pool.read { db in
            try [
                "SELECT MAX(updatedAt) FROM articles",
                "SELECT subscriptionID, period FROM skippedEditions WHERE period IN ('2026-12-01', '2026-12-02')",
            ].map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                    .joined(separator: "; ")
            }
        }
        #expect(plans[0].contains("INDEX articles_by_update"), "\(plans[0])")
        #expect(plans[1].contains("INDEX skipped_editions_by_period"), "\(plans[1])")
    }

    @Test("leasing an edition and recording an attempt build no temporary b-tree: each runs for every message sent")
    func ledgerUpdatesStayLean() async throws {
        let programs = try await store.pool.write { db in
            try [SQLiteStore.leaseEdition, SQLiteStore.finishEdition, SQLiteStore.insertDelivery].map { sql in
                let placeholders = Array(repeating: String?.none, count: sql.filter { $0 == "?" }.count)
                return try Row.fetchAll(db, sql: "EXPLAIN " + sql, arguments: StatementArguments(placeholders))
                    .map { $0["opcode"] as String }
            }
        }
        // The CHECKs on status (v17) and the index of editions to send (v16) test each value in
        // place; an IN list there built one, dropped at the end of the statement.
        for program in programs {
            #expect(program.contains("OpenWrite"), "the program was read: \(program)")
            #expect(!program.contains("OpenEphemeral"), "\(program)")
        }
    }

    /// A database file in the folder `name`, migrated up to `migration` only, holding one active
    /// subscriber (1) with one subscription (1) and then `rows`: what an older Gazette left.
    func database(upTo migration: String, in name: String, rows: String) async throws -> String {
        let path = folder.file("\(name)/gazette.sqlite").path
        try FileManager.default.createDirectory(atPath: folder.file(name).path, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: migration)
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO subscribers (email, status, token, createdAt)
                    VALUES ('a@example.org', 'active', 'handle', '2026-12-01 00:00:00.000');
                    INSERT INTO subscriptions (subscriberID, countries, frequency, sendHour, timeZone, format)
                    VALUES (1, 'DE', 'daily', 7, 'UTC', 'html');
                    """
            )
            try db.execute(sql: rows)
        }
        return path
    }

    @Test("v17 rewrites the status checks of a database in use: its rows stay, a bad status is still refused")
    func statusChecksMigration() async throws {
        let path = try await database(
            upTo: "v16: editions to send, without an IN list",
            in: "v16",
            rows: """
                INSERT INTO editions (subscriptionID, period, messageID, articleIDs, createdAt, editionKey,
                                      subject, recipient, status, attempts)
                VALUES (1, '2026-12-01', 'm@example.org', '', '2026-12-01 07:00:00.000', 'key1',
                        'The subject', 'a@example.org', 'deferred', 1);
                INSERT INTO editionBodies (editionID, text) VALUES (1, 'The text');
                INSERT INTO deliveries (editionID, recipient, status, replyCode, replyText, attemptedAt)
                VALUES (1, 'a@example.org', 'deferred', 451, '4.7.1 later', '2026-12-01 07:00:01.000');
                """
        )
        let migrated = try SQLiteStore(path: path)
        #expect(try migrated.appliedMigrations().count == 17)
        let edition = try #require(try await migrated.edition(key: "key1"))
        #expect(edition.status == .deferred && edition.attempts == 1 && edition.text == "The text")
        #expect(try await migrated.deliveries(editionID: 1).map(\.replyCode) == [451])
        try await migrated.pool.write { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            for sql in [
                "UPDATE editions SET status = 'lost' WHERE id = 1",
                "INSERT INTO deliveries (editionID, recipient, status, attemptedAt) VALUES (1, 'a@example.org', 'queued', '2026')",
            ] {
                #expect(throws: DatabaseError.self, "\(sql)") { try db.execute(sql: sql) }
            }
            let checks = try String.fetchAll(
                db,
                sql: "SELECT sql FROM sqlite_master WHERE name IN ('editions', 'deliveries') ORDER BY name"
            )
            #expect(
                checks.allSatisfy { $0.contains("status = 'delivered' OR status = 'deferred' OR status = 'failed'") }
            )
        }
    }

    @Test("the attempts the ledger writes together are committed together or not at all")
    func ledgerBatchIsAtomic() async throws {
        let email = EmailAddress("reader@example.org")!
        let edition = try await readerWithEdition(email)
        let leased = try await store.leaseDueEditions(now: now, leaseUntil: now.addingTimeInterval(900), limit: 8)
        #expect(leased.map(\.id) == [edition.id])
        func attempt(_ editionID: Int64) -> (attempt: Delivery, status: Edition.Status, nextAttemptAt: Date?) {
            let delivery = Delivery(
                editionID: editionID,
                recipient: email,
                status: .delivered,
                replyCode: 250,
                replyText: "ok",
                attemptedAt: now
            )
            return (delivery, .delivered, nil)
        }
        // The second attempt names no edition: the foreign key refuses it, and the first goes too.
        #expect(throws: DatabaseError.self) { try store.finishAttemptsBlocking([attempt(edition.id!), attempt(999)]) }
        #expect(try await store.edition(key: "2026-11-29-k")?.status == .sending)
        #expect(try await store.deliveries(editionID: edition.id!).isEmpty)
        // No transaction was left open: the next batch commits.
        try store.finishAttemptsBlocking([attempt(edition.id!)])
        #expect(try await store.edition(key: "2026-11-29-k")?.status == .delivered)
        #expect(try await store.deliveries(editionID: edition.id!).map(\.replyCode) == [250])
    }

    @Test("the data version changes when an edition is delivered and when a subscriber leaves or pauses")
    func dataVersion() async throws {
        let email = EmailAddress("reader@example.org")!
        let edition = try await readerWithEdition(email)
        var version = try await store.dataVersion()
        func changed() async throws -> Bool {
            let latest = try await store.dataVersion()
            defer { version = latest }
            return latest != version
        }
        try await delivered(edition.id!, to: email)
        #expect(try await changed(), "delivered: the private feed shows it now")
        #expect(try await store.pause(email, at: now))
        #expect(try await changed(), "paused")
        #expect(try await store.unsubscribe(email))
        #expect(try await changed(), "unsubscribed (from paused)")
        #expect(try await store.unsubscribe(email))
        #expect(try await !changed(), "unsubscribing again changes nothing")
    }

    @Test("prune deletes old articles, the messages of old editions that are done, and old skip records")
    func prune() async throws {
        try await store.saveSources([source("a", de)])
        let day: TimeInterval = 86_400
        var old = article("old", hoursAgo: 100 * 24)
        old.fetchedAt = now.addingTimeInterval(-100 * day)
        var oldButNew = article("old-published-new-seen", hoursAgo: 100 * 24)  // fetched now
        oldButNew.fetchedAt = now
        _ = try await store.saveArticles([old, oldButNew, article("recent")])
        let record = try await store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(countries: [de]),
            status: .active,
            now: now
        )
        func edition(_ period: String, daysAgo: Double) -> Edition {
            Edition(
                subscriptionID: record.subscription.id!,
                period: period,
                messageID: "\(period)@example.org",
                articleIDs: [],
                createdAt: now.addingTimeInterval(-daysAgo * day),
                key: "\(period)-k",
                subject: "s",
                html: "<p>\(period)</p>",
                text: period
            )
        }
        var ids: [String: Int64] = [:]
        for (period, daysAgo) in [("delivered-old", 70.0), ("queued-old", 70), ("delivered-new", 1)] {
            ids[period] = try await store.claimEdition(edition(period, daysAgo: daysAgo)).edition.id!
        }
        for period in ["delivered-old", "delivered-new"] {
            try await delivered(ids[period]!, to: record.subscriber.email)
        }
        try await store.recordSkipped(
            subscriptionID: record.subscription.id!,
            period: "skipped-old",
            dueAt: now.addingTimeInterval(-70 * day),
            now: now.addingTimeInterval(-70 * day)
        )

        let counts = try await store.prune(
            articlesBefore: now.addingTimeInterval(-90 * day),
            editionsBefore: now.addingTimeInterval(-60 * day)
        )
        #expect(counts == PruneCounts(articles: 1, editionBodies: 1, skippedEditions: 1))
        let left = try await store.articles(
            matching: ArticleQuery(countries: [de], since: .distantPast, until: .distantFuture, limit: 10)
        )
        #expect(Set(left.map(\.guid)) == ["old-published-new-seen", "recent"])
        let pruned = try #require(try await store.edition(key: "delivered-old-k"))
        #expect(pruned.html == nil && pruned.text.isEmpty && pruned.status == .delivered, "the ledger entry stays")
        #expect(try await store.edition(key: "queued-old-k")?.text == "queued-old", "not done: still to send")
        #expect(try await store.edition(key: "delivered-new-k")?.text == "delivered-new")
        #expect(try await store.skippedEditions(periods: ["skipped-old"]).isEmpty)
    }

    @Test("editions stored before v11 keep their rendered message when it moves to a table of its own")
    func editionBodiesMigration() async throws {
        let path = try await database(
            upTo: "v10: editions to send, oldest first",
            in: "old",
            rows: """
                INSERT INTO editions (subscriptionID, period, messageID, articleIDs, createdAt, editionKey,
                                      subject, html, text, recipient, status)
                VALUES (1, '2026-12-01', 'm@example.org', '', '2026-12-01 07:00:00.000', 'key1',
                        'The subject', '<p>The HTML</p>', 'The text', 'a@example.org', 'queued');
                """
        )
        let migrated = try SQLiteStore(path: path)
        #expect(try migrated.appliedMigrations().count == 17)
        let edition = try #require(try await migrated.edition(key: "key1"))
        #expect(edition.html == "<p>The HTML</p>" && edition.text == "The text" && edition.subject == "The subject")
        // And the lease, which reads through the new index and joins the bodies, still finds it.
        let leased = try await migrated.leaseDueEditions(
            now: Date(timeIntervalSince1970: 1_796_000_000),
            leaseUntil: Date(timeIntervalSince1970: 1_796_000_900),
            limit: 8
        )
        #expect(leased.map(\.text) == ["The text"])
    }

    @Test("an article already stored (same source and guid) is updated when it changed, never duplicated")
    func dedupe() async throws {
        try await store.saveSources([source("a", de), source("b", de)])
        #expect(try await store.saveArticles([article("1"), article("2")]) == ArticleSaveCounts(new: 2, updated: 0))
        var edited = article("2", hoursAgo: 0)
        edited.title = "Corrected title"
        let counts = try await store.saveArticles([article("1"), article("3"), article("1", source: "b"), edited])
        #expect(counts == ArticleSaveCounts(new: 2, updated: 1))
        #expect(try await store.articleCount() == 4)
        let stored = try await store.articles(
            matching: ArticleQuery(countries: [de], since: .distantPast, until: .distantFuture, limit: 10)
        )
        let second = try #require(stored.first { $0.guid == "2" && $0.sourceID == "a" })
        #expect(second.title == "Corrected title")
        #expect(second.publishedAt == article("2").publishedAt, "the first publication date is kept")
    }

    @Test("an update never blanks a stored value; a feed read in recovery mode changes nothing stored")
    func updatesNeverBlank() async throws {
        try await store.saveSources([source("a", de)])
        var full = article("1")
        full.contentHTML = "<p>Text of 1.</p>"
        full.author = "Priya Shah"
        full.imageURL = "https://a.example/1.jpg"
        _ = try await store.saveArticles([full])
        func stored() async throws -> Article {
            try #require(
                try await store.articles(
                    matching: ArticleQuery(countries: [de], since: .distantPast, until: .distantFuture, limit: 10)
                ).first { $0.guid == "1" }
            )
        }
        // The same item cut short: no text, link, content, author or image; a new title.
        var cut = article("1")
        cut.title = "Title 1, updated"
        cut.text = ""
        cut.url = nil
        cut.contentHTML = nil
        cut.author = nil
        cut.imageURL = nil
        #expect(try await store.saveArticles([cut]) == ArticleSaveCounts(new: 0, updated: 1))
        var article = try await stored()
        #expect(article.title == "Title 1, updated", "what the feed does give is taken")
        #expect(article.text == full.text && article.url == full.url && article.contentHTML == full.contentHTML)
        #expect(article.author == full.author && article.imageURL == full.imageURL)
        // Nothing new in it at all: no update counted.
        #expect(try await store.saveArticles([cut]) == ArticleSaveCounts(new: 0, updated: 0))

        var changed = full
        changed.title = "Title from a broken body"
        changed.text = "Text of"
        let counts = try await store.saveArticles([changed, self.article("2")], existing: .keep)
        #expect(counts == ArticleSaveCounts(new: 1, updated: 0), "new articles only")
        article = try await stored()
        #expect(article.title == "Title 1, updated" && article.text == full.text)
    }

    @Test("queries filter by country, topic and time, newest first")
    func query() async throws {
        try await store.saveSources([source("a", de), source("f", fr)])
        _ = try await store.saveArticles([
            article("old", hoursAgo: 30), article("new", hoursAgo: 1, topics: ["economy"]),
            article("mid", hoursAgo: 5, topics: ["politics", "economy"]), article("fr", source: "f", country: fr),
        ])
        let day = ArticleQuery(countries: [de], since: now.addingTimeInterval(-86_400), until: now, limit: 10)
        #expect(try await store.articles(matching: day).map(\.guid) == ["new", "mid"])
        var economy = day
        economy.topics = [Topic("politics")!]
        #expect(try await store.articles(matching: economy).map(\.guid) == ["mid"])
        #expect(try await store.countriesWithArticles() == [de, fr])
        let stored = try await store.articles(matching: day)
        let ids = stored.compactMap(\.id).reversed()
        #expect(try await store.articles(ids: Array(ids)).map(\.guid) == ["mid", "new"], "in the order asked")
        #expect(stored[0].topics == [Topic("economy")!])
        // Lists of any length are one JSON parameter: two countries, and story ids that JSON
        // must escape.
        var both = day
        both.countries = [de, fr]
        #expect(try await store.articles(matching: both).map(\.guid).sorted() == ["fr", "mid", "new"])
        let odd = ["s\"1", "s\\2", "s,3", "é"]
        let allIDs = try await store.articles(matching: both).compactMap(\.id)
        try await store.assignStories(Dictionary(uniqueKeysWithValues: zip(allIDs, odd)))
        #expect(try await store.articles(storyIDs: odd).count == 3)
        #expect(try await store.articles(storyIDs: [odd[1]]).map(\.storyID) == [odd[1]])
        #expect(try await store.articles(storyIDs: ["none"]).isEmpty)
    }

    @Test("feed state keeps validators and failures across saves")
    func feedState() async throws {
        try await store.saveSources([source("a", de)])
        var state = try #require(try await store.feedState(url: "https://a.example/rss"))
        #expect(state.consecutiveFailures == 0)
        state.etag = "\"v1\""
        state.lastError = "HTTP status 503"
        state.consecutiveFailures = 2
        try await store.saveFeedState(state)
        #expect(try await store.feedState(url: "https://a.example/rss") == state)
    }

    @Test("subscribe, resubscribe with new preferences, unsubscribe")
    func subscribers() async throws {
        let email = EmailAddress("reader@example.org")!
        let first = try await store.subscribe(
            email,
            preferences: SubscriptionPreferences(countries: [de], topics: [Topic("economy")!]),
            status: .active,
            now: now
        )
        #expect(first.subscription.countries == [de])
        #expect(first.subscriber.token.count == 32)
        let second = try await store.subscribe(
            EmailAddress("reader@EXAMPLE.org")!,
            preferences: SubscriptionPreferences(
                countries: [fr, de],
                frequency: .weekly,
                sendHour: 18,
                timeZone: TimeZone(identifier: "Asia/Tokyo")!,
                format: .text
            ),
            status: .active,
            now: now
        )
        #expect(second.subscriber.id == first.subscriber.id, "the same person, not a second row")
        #expect(second.subscription.id == first.subscription.id, "updated in place: editions keep pointing at it")
        #expect(second.subscriber.token == first.subscriber.token)
        #expect(second.subscription.countries == [fr, de])
        #expect(second.subscription.timeZone.identifier == "Asia/Tokyo")
        #expect(try await store.allSubscribers().count == 1)
        // A sign-up form posted for an active address (by anyone) changes nothing.
        let posted = try await store.subscribe(
            email,
            preferences: SubscriptionPreferences(countries: [de]),
            status: .pending,
            now: now
        )
        #expect(posted.subscriber.status == .active)
        #expect(try await store.subscriber(email)?.subscriber.status == .active)
        #expect(try await store.subscriber(email)?.subscription.countries == [fr, de])
        #expect(try await store.unsubscribe(email))
        #expect(try await store.activeSubscribers().isEmpty)
        #expect(try await store.subscriber(email)?.subscriber.status == .unsubscribed)
        #expect(try await store.unsubscribe(EmailAddress("nobody@example.org")!) == false)
    }

    @Test("one edition per subscription and period, found by key, with what was rendered; deliveries recorded")
    func editions() async throws {
        let record = try await store.subscribe(
            EmailAddress("reader@example.org")!,
            preferences: SubscriptionPreferences(countries: [de]),
            status: .active,
            now: now
        )
        let edition = Edition(
            subscriptionID: record.subscription.id!,
            period: "2026-11-29",
            messageID: "m1@example.org",
            articleIDs: [3, 1, 2],
            createdAt: now,
            key: Edition.key(subscriptionID: record.subscription.id!, period: "2026-11-29", token: "t0k3n"),
            subject: "Gazette: Germany, 29 Nov 2026",
            html: "<p>html part</p>",
            text: "text part"
        )
        let (stored, isNew) = try await store.claimEdition(edition)
        #expect(isNew)
        #expect(stored.articleIDs == [3, 1, 2])
        #expect(stored.key.hasPrefix("2026-11-29-") && stored.key.count == 27)
        #expect(
            stored.key != Edition.key(subscriptionID: record.subscription.id!, period: "2026-11-29", token: "other"),
            "another subscriber's token gives another key"
        )
        let byKey = try #require(try await store.edition(key: stored.key))
        #expect(byKey.id == stored.id && byKey.html == "<p>html part</p>" && byKey.text == "text part")
        #expect(byKey.subject == "Gazette: Germany, 29 Nov 2026")
        #expect(try await store.edition(key: "2026-11-29-0000000000000000") == nil)
        var next = edition
        next.period = "2026-11-30"
        next.key = "2026-11-30-x"
        next.messageID = "m3@example.org"
        next.createdAt = now.addingTimeInterval(86_400)
        _ = try await store.claimEdition(next)
        let newestFirst = try await store.editions(subscriptionID: record.subscription.id!, limit: 10)
        #expect(newestFirst.map(\.period) == ["2026-11-30", "2026-11-29"])
        // The states alone: the same editions, without the rendered parts.
        let states = try await store.editionStates(subscriptionID: record.subscription.id!, limit: 10)
        #expect(states.map(\.id) == newestFirst.map(\.id))
        #expect(states.map(\.createdAt) == newestFirst.map(\.createdAt))
        #expect(states.allSatisfy { $0.html == nil && $0.text.isEmpty })
        #expect(newestFirst.last?.html == "<p>html part</p>", "the full editions keep theirs")
        #expect(
            try await store.editionStates(subscriptionID: record.subscription.id!, limit: 1).map(\.period) == [
                "2026-11-30"
            ]
        )
        var again = edition
        again.messageID = "m2@example.org"
        let (existing, isNewAgain) = try await store.claimEdition(again)
        #expect(!isNewAgain)
        #expect(existing.messageID == "m1@example.org", "the first edition stands")
        try await store.recordDelivery(
            Delivery(
                editionID: stored.id!,
                recipient: record.subscriber.email,
                status: .deferred,
                replyCode: 451,
                replyText: "451 try later",
                attemptedAt: now
            )
        )
        let deliveries = try await store.deliveries(editionID: stored.id!)
        #expect(deliveries.map { $0.replyCode } == [451])
        #expect(deliveries.first?.status == .deferred)
    }

    @Test("a file that is not a database is a clear error")
    func notADatabase() throws {
        let path = folder.file("garbage.sqlite").path
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: path) }
        #expect(error?.description.contains(path) == true)
    }
}
