import Foundation
import GRDB
import GazetteCore

extension SQLiteStore: SubscriberStore {
    public func subscribe(
        _ email: EmailAddress,
        preferences: SubscriptionPreferences,
        status: Subscriber.Status,
        now: Date
    ) async throws -> SubscriberRecord {
        try await pool.write { db in
            if let existing = try Row.fetchOne(
                db,
                sql: "SELECT id, status FROM subscribers WHERE email = ?",
                arguments: [email.value]
            ) {
                let id: Int64 = existing["id"]
                // Anyone can post the sign-up form for an address: only its owner's click on the
                // confirmation link changes an active subscription.
                if status == .pending, existing["status"] == Subscriber.Status.active.rawValue {
                    return try Self.fetchRecords(db, whereClause: "s.id = ?", arguments: [id])[0]
                }
                try db.execute(
                    sql: "UPDATE subscribers SET status = ?, pausedAt = NULL WHERE id = ?",
                    arguments: [status.rawValue, id]
                )
            } else {
                try db.execute(
                    sql: "INSERT INTO subscribers (email, status, token, createdAt) VALUES (?, ?, ?, ?)",
                    arguments: [email.value, status.rawValue, Self.newToken(), now]
                )
            }
            let subscriberID: Int64 = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM subscribers WHERE email = ?",
                arguments: [email.value]
            )!
            let values: StatementArguments = [
                Self.encodeList(preferences.countries.map(\.code)), Self.encodeList(preferences.topics.map(\.slug)),
                preferences.frequency.rawValue, preferences.sendHour, preferences.weekday,
                preferences.timeZone.identifier, preferences.format.rawValue,
            ]
            // One subscription per subscriber for now. Subscribing again updates it in place: its
            // id, and so its editions and delivery history, stay, and nothing is sent twice.
            try db.execute(
                sql: """
                    UPDATE subscriptions SET countries = ?, topics = ?, frequency = ?, sendHour = ?, weekday = ?,
                                             timeZone = ?, format = ?
                    WHERE subscriberID = ?
                    """,
                arguments: values + [subscriberID]
            )
            if db.changesCount == 0 {
                try db.execute(
                    sql: """
                        INSERT INTO subscriptions (countries, topics, frequency, sendHour, weekday, timeZone,
                                                   format, subscriberID)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: values + [subscriberID]
                )
            }
            return try Self.fetchRecords(db, whereClause: "s.id = ?", arguments: [subscriberID])[0]
        }
    }

    public func confirmationSentAt(_ email: EmailAddress) async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(
                db,
                sql: "SELECT confirmationSentAt FROM subscribers WHERE email = ?",
                arguments: [email.value]
            )
        }
    }

    public func claimConfirmation(_ email: EmailAddress, at date: Date, notAfter: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE subscribers SET confirmationSentAt = ?
                    WHERE email = ? AND (confirmationSentAt IS NULL OR confirmationSentAt <= ?)
                    """,
                arguments: [date, email.value, notAfter]
            )
            return db.changesCount > 0
        }
    }

    public func releaseConfirmation(_ email: EmailAddress, claimedAt date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE subscribers SET confirmationSentAt = NULL WHERE email = ? AND confirmationSentAt = ?",
                arguments: [email.value, date]
            )
        }
    }

    public func confirm(token: String) async throws -> SubscriberRecord? {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE subscribers SET status = 'active' WHERE token = ? AND status = 'pending'",
                arguments: [token]
            )
            guard db.changesCount > 0 else { return nil }
            return try Self.fetchRecords(db, whereClause: "s.token = ?", arguments: [token]).first
        }
    }

    public func unsubscribe(_ email: EmailAddress) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE subscribers SET status = 'unsubscribed', pausedAt = NULL WHERE email = ?",
                arguments: [email.value]
            )
            return db.changesCount > 0
        }
    }

    public func pause(_ email: EmailAddress, at date: Date) async throws -> Bool {
        try await pool.write { db in
            // Only an active digest pauses: an unsubscribed address is not made resumable.
            try db.execute(
                sql:
                    "UPDATE subscribers SET status = 'unsubscribed', pausedAt = ? WHERE email = ? AND status = 'active'",
                arguments: [date, email.value]
            )
            return db.changesCount > 0
        }
    }

    public func subscriber(_ email: EmailAddress) async throws -> SubscriberRecord? {
        try await pool.read { db in
            try Self.fetchRecords(db, whereClause: "s.email = ?", arguments: [email.value]).first
        }
    }

    public func subscriber(token: String) async throws -> SubscriberRecord? {
        try await pool.read { db in
            try Self.fetchRecords(db, whereClause: "s.token = ?", arguments: [token]).first
        }
    }

    public func allSubscribers() async throws -> [SubscriberRecord] {
        try await pool.read { db in try Self.fetchRecords(db, whereClause: "1", arguments: []) }
    }

    public func subscribers(subscriptionIDs: [Int64]) async throws -> [SubscriberRecord] {
        try await pool.read { db in
            try Self.fetchRecords(
                db,
                whereClause: "p.id IN (SELECT value FROM json_each(?))",
                arguments: [Self.jsonArray(subscriptionIDs)]
            )
        }
    }

    public func activeSubscribers() async throws -> [SubscriberRecord] {
        try await pool.read { db in
            try Self.fetchRecords(
                db,
                whereClause:
                    "s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = s.email)",
                arguments: []
            )
        }
    }

    public func recordSkipped(subscriptionID: Int64, period: String, dueAt: Date, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO skippedEditions (subscriptionID, period, dueAt, recordedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """,
                arguments: [subscriptionID, period, dueAt, now]
            )
        }
    }

    public func skippedEditions(periods: [String]) async throws -> Set<String> {
        guard !periods.isEmpty else { return [] }
        return try await pool.read { db in
            Set(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT subscriptionID, period FROM skippedEditions
                        WHERE period IN (\(databaseQuestionMarks(count: periods.count)))
                        """,
                    arguments: StatementArguments(periods)
                ).map { row in "\(row["subscriptionID"] as Int64)/\(row["period"] as String)" }
            )
        }
    }

    public func suppress(_ email: EmailAddress, reason: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO suppressions (email, reason, createdAt) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [email.value, reason, now]
            )
        }
    }

    public func suppressions() async throws -> [(email: String, reason: String, since: Date)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM suppressions ORDER BY createdAt, email").map { row in
                (email: row["email"], reason: row["reason"], since: row["createdAt"])
            }
        }
    }

    private static func fetchRecords(
        _ db: Database,
        whereClause: String,
        arguments: StatementArguments
    ) throws
        -> [SubscriberRecord]
    {
        // Prepared once per connection and kept: a send looks up every reader this way. Read by
        // position from a cursor: name lookups and copied rows were most of a send's reading.
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT s.id, s.email, s.status, s.token, s.createdAt, s.pausedAt,
                           p.id AS subscriptionID, p.countries, p.topics, p.frequency, p.sendHour, p.weekday,
                           p.timeZone, p.format
                    FROM subscribers s JOIN subscriptions p ON p.subscriberID = s.id
                    WHERE \(whereClause)
                    ORDER BY s.email, p.id
                    """
            ),
            arguments: arguments
        )
        // A row this version cannot read (an address an older version accepted) is left out rather
        // than failing every subscriber's delivery; `gazette subscribers` shows what is readable.
        return try Array(
            rows.compactMap { row -> SubscriberRecord? in
                let id: Int64 = row[0]
                let emailText: String = row[1]
                let statusText: String = row[2]
                let frequencyText: String = row[9]
                let zoneText: String = row[12]
                let formatText: String = row[13]
                guard let email = EmailAddress(emailText), let status = Subscriber.Status(rawValue: statusText),
                    let timeZone = TimeZone(identifier: zoneText),
                    let frequency = Subscription.Frequency(rawValue: frequencyText),
                    let format = Subscription.Format(rawValue: formatText)
                else { return nil }
                let subscriber = Subscriber(
                    id: id,
                    email: email,
                    status: status,
                    token: row[3],
                    createdAt: row[4],
                    pausedAt: row[5]
                )
                let subscription = Subscription(
                    id: row[6],
                    subscriberID: id,
                    countries: decodeCountries(row[7]),
                    topics: decodeTopics(row[8]),
                    frequency: frequency,
                    sendHour: row[10],
                    weekday: row[11],
                    timeZone: timeZone,
                    format: format
                )
                return SubscriberRecord(subscriber: subscriber, subscription: subscription)
            }
        )
    }

    public func storedSecret(named name: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = ?", arguments: ["secret." + name])
        }
    }

    public func storedSecret(named name: String, ifAbsent initial: String) async throws -> String {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO metadata (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                arguments: ["secret." + name, initial]
            )
            return try String.fetchOne(
                db,
                sql: "SELECT value FROM metadata WHERE key = ?",
                arguments: ["secret." + name]
            )!
        }
    }

    /// 128 random bits, hex: the subscriber's handle, which signed links name. Never reused.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", generator.next() as UInt32) }.joined()
    }
}
