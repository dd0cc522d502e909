import Foundation
import GRDB
import GazetteCore

extension SQLiteStore: ArticleStore {
    public func saveSources(_ sources: [Source]) async throws {
        try await pool.write { db in
            for source in sources {
                try db.execute(
                    sql: """
                        INSERT INTO sources (id, name, country, language, topics) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET
                            name = excluded.name, country = excluded.country,
                            language = excluded.language, topics = excluded.topics
                        """,
                    arguments: [
                        source.id, source.name, source.country.code, source.language,
                        Self.encodeList(source.topics.map(\.slug)),
                    ]
                )
                for url in source.feeds {
                    try db.execute(
                        sql: """
                            INSERT INTO feeds (url, sourceID) VALUES (?, ?)
                            ON CONFLICT (url) DO UPDATE SET sourceID = excluded.sourceID
                            """,
                        arguments: [url, source.id]
                    )
                }
            }
        }
    }

    public func feedState(url: String) async throws -> FeedState? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM feeds WHERE url = ?", arguments: [url]).map(Self.feedState(from:))
        }
    }

    public func allFeedStates() async throws -> [FeedState] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM feeds ORDER BY sourceID, url").map(Self.feedState(from:))
        }
    }

    public func articleCountsBySource(fetchedSince since: Date) async throws -> [String: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT sourceID, COUNT(*) AS n FROM articles WHERE fetchedAt >= ? GROUP BY sourceID",
                arguments: [since]
            )
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["sourceID"] as String, $0["n"] as Int) })
        }
    }

    public func saveFeedState(_ state: FeedState) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO feeds (url, sourceID, etag, lastModified, lastFetchedAt, lastSuccessAt, lastError,
                                       consecutiveFailures, nextAttemptAt, disabled)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (url) DO UPDATE SET
                        sourceID = excluded.sourceID, etag = excluded.etag, lastModified = excluded.lastModified,
                        lastFetchedAt = excluded.lastFetchedAt, lastSuccessAt = excluded.lastSuccessAt,
                        lastError = excluded.lastError, consecutiveFailures = excluded.consecutiveFailures,
                        nextAttemptAt = excluded.nextAttemptAt, disabled = excluded.disabled
                    """,
                arguments: [
                    state.url, state.sourceID, state.etag, state.lastModified, state.lastFetchedAt,
                    state.lastSuccessAt, state.lastError, state.consecutiveFailures, state.nextAttemptAt,
                    state.disabled,
                ]
            )
        }
    }

    public func saveArticles(
        _ articles: [Article],
        existing policy: StoredArticleUpdate
    ) async throws
        -> ArticleSaveCounts
    {
        try await pool.write { db in
            var counts = ArticleSaveCounts(new: 0, updated: 0)
            for article in articles {
                let topics = Self.encodeList(article.topics.map(\.slug))
                let existing = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, title, text, contentHTML, url, author, imageURL, topics FROM articles
                        WHERE sourceID = ? AND guid = ?
                        """,
                    arguments: [article.sourceID, article.guid]
                )
                guard let existing else {
                    try db.execute(
                        sql: """
                            INSERT INTO articles (sourceID, guid, url, title, text, contentHTML, imageURL, author,
                                                  publishedAt, fetchedAt, country, language, topics)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            article.sourceID, article.guid, article.url, article.title, article.text,
                            article.contentHTML, article.imageURL, article.author, article.publishedAt,
                            article.fetchedAt, article.country.code, article.language, topics,
                        ]
                    )
                    counts.new += 1
                    continue
                }
                guard policy == .update else { continue }
                // What the feed no longer gives keeps its stored value: an item cut short, or a
                // second feed of the source with excerpts only, never blanks a good article.
                // Typed as optional: a stored NULL must read as nil, never be forced into a String.
                let title = article.title.isEmpty ? (existing["title"] as String? ?? "") : article.title
                let text = article.text.isEmpty ? (existing["text"] as String? ?? "") : article.text
                let contentHTML = article.contentHTML ?? existing["contentHTML"] as String?
                let url = article.url ?? existing["url"] as String?
                let author = article.author ?? existing["author"] as String?
                let imageURL = article.imageURL ?? existing["imageURL"] as String?
                let unchanged =
                    existing["title"] == title && existing["text"] == text
                    && existing["contentHTML"] == contentHTML && existing["url"] == url
                    && existing["author"] == author && existing["imageURL"] == imageURL
                    && existing["topics"] == topics
                if unchanged { continue }
                try db.execute(
                    sql: """
                        UPDATE articles SET title = ?, text = ?, contentHTML = ?, url = ?, author = ?, imageURL = ?,
                                            topics = ?, updatedAt = ?
                        WHERE id = ?
                        """,
                    arguments: [
                        title, text, contentHTML, url, author, imageURL, topics, article.fetchedAt,
                        existing["id"] as Int64,
                    ]
                )
                counts.updated += 1
            }
            return counts
        }
    }

    public func articles(matching query: ArticleQuery) async throws -> [Article] {
        var conditions = ["publishedAt >= ?", "publishedAt <= ?"]
        var arguments: StatementArguments = [query.since, query.until]
        if let firstSeen = query.firstSeenSince {
            conditions.append("fetchedAt >= ?")
            arguments += [firstSeen]
        }
        if !query.countries.isEmpty {
            conditions.append("country IN (SELECT value FROM json_each(?))")
            arguments += [Self.jsonArray(query.countries.map(\.code))]
        }
        if !query.topics.isEmpty {
            conditions.append("(" + query.topics.map { _ in "topics LIKE ?" }.joined(separator: " OR ") + ")")
            arguments += StatementArguments(query.topics.map { "%,\($0.slug),%" })
        }
        arguments += [query.limit]
        let sql = """
            SELECT \(Self.articleColumns) FROM articles WHERE \(conditions.joined(separator: " AND "))
            ORDER BY publishedAt DESC, id DESC LIMIT ?
            """
        let finalArguments = arguments
        return try await pool.read { db in
            try Self.articles(db, sql: sql, arguments: finalArguments)
        }
    }

    public func articles(ids: [Int64]) async throws -> [Article] {
        guard !ids.isEmpty else { return [] }
        let byID = try await pool.read { db in
            try Self.articles(
                db,
                sql: "SELECT \(Self.articleColumns) FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [Self.jsonArray(ids)]
            )
        }
        // Keep the caller's order: an edition lists its articles in the order they were chosen.
        let index = Dictionary(uniqueKeysWithValues: byID.compactMap { article in article.id.map { ($0, article) } })
        return ids.compactMap { index[$0] }
    }

    public func dataVersion() async throws -> String {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT MAX(id) FROM articles) AS articles, (SELECT MAX(updatedAt) FROM articles) AS updated,
                           (SELECT MAX(id) FROM editions) AS editions,
                           (SELECT MAX(id) FROM deliveries) AS deliveries,
                           (SELECT value FROM metadata WHERE key = 'storiesVersion') AS stories,
                           (SELECT value FROM metadata WHERE key = 'subscribersVersion') AS subscribers
                    """
            )
            // An edition delivered (a private feed shows it from then on) adds a delivery; a
            // subscriber who leaves or pauses counts in subscribersVersion (a trigger, v15).
            // Whatever each value's type (an id, a date, a counter), its text is part of the version.
            let parts: [DatabaseValue] = ["articles", "updated", "editions", "deliveries", "stories", "subscribers"].map
            {
                row?[$0] ?? .null
            }
            return parts.map(\.description).joined(separator: "/")
        }
    }

    public func assignStories(_ storyIDs: [Int64: String]) async throws {
        try await pool.write { db in
            // Story assignments change feeds without changing any article row's id or time.
            try db.execute(
                sql: """
                    INSERT INTO metadata (key, value) VALUES ('storiesVersion', '1')
                    ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
                    """
            )
            let statement = try db.makeStatement(sql: "UPDATE articles SET storyID = ? WHERE id = ?")
            for (articleID, storyID) in storyIDs.sorted(by: { $0.key < $1.key }) {
                try statement.execute(arguments: [storyID, articleID])
            }
        }
    }

    public func articles(storyIDs: [String]) async throws -> [Article] {
        guard !storyIDs.isEmpty else { return [] }
        return try await pool.read { db in
            try Self.articles(
                db,
                sql: """
                    SELECT \(Self.articleColumns) FROM articles
                    WHERE storyID IN (SELECT value FROM json_each(?))
                    ORDER BY publishedAt, id
                    """,
                arguments: [Self.jsonArray(storyIDs)]
            )
        }
    }

    public func articleCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM articles") ?? 0 }
    }

    public func countriesWithArticles() async throws -> [Country] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT country FROM articles ORDER BY country")
                .compactMap { Country(code: $0) }
        }
    }

    /// The columns `article(from:)` reads, in its order: a digest reads hundreds of rows, and a
    /// value read by position skips the case-insensitive lookup of its column's name.
    static let articleColumns = """
        id, sourceID, guid, url, title, text, contentHTML, imageURL, author, publishedAt, fetchedAt, country, \
        language, topics, storyID, updatedAt
        """

    /// The articles `sql` selects (it selects `articleColumns`). The statement is prepared once
    /// per connection and kept: a send asks the same few questions for every reader. Each row is
    /// decoded where SQLite holds it, through a cursor, not first copied with its column names.
    static func articles(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Article] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var articles: [Article] = []
        while let row = try rows.next() { articles.append(try article(from: row)) }
        return articles
    }

    /// A list for `IN (SELECT value FROM json_each(?))`: one parameter whatever its length, so
    /// the statement's text is the same for every list and one cached statement serves them all
    /// (a `?` per value would cache a statement per length). SQLite still searches the index.
    static func jsonArray<Value: Encodable>(_ values: [Value]) -> String {
        // Strings and integers always encode.
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// An article from a row of `articleColumns`.
    static func article(from row: Row) throws -> Article {
        let code: String = row[11]
        guard let country = Country(code: code) else {
            throw StoreError("articles row \(row[0] as Int64? ?? 0): \"\(code)\" is not a country code")
        }
        return Article(
            id: row[0],
            sourceID: row[1],
            guid: row[2],
            url: row[3],
            title: row[4],
            text: row[5],
            contentHTML: row[6],
            imageURL: row[7],
            author: row[8],
            publishedAt: row[9],
            fetchedAt: row[10],
            country: country,
            language: row[12],
            topics: decodeTopics(row[13]),
            storyID: row[14],
            updatedAt: row[15]
        )
    }

    static func feedState(from row: Row) -> FeedState {
        FeedState(
            url: row["url"],
            sourceID: row["sourceID"],
            etag: row["etag"],
            lastModified: row["lastModified"],
            lastFetchedAt: row["lastFetchedAt"],
            lastSuccessAt: row["lastSuccessAt"],
            lastError: row["lastError"],
            consecutiveFailures: row["consecutiveFailures"],
            nextAttemptAt: row["nextAttemptAt"],
            disabled: row["disabled"]
        )
    }
}
