import Foundation
import GRDB
import GazetteCore

extension SQLiteStore: EditionStore {
    public func claimEdition(_ edition: Edition) async throws -> (edition: Edition, isNew: Bool) {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO editions (subscriptionID, period, messageID, articleIDs, createdAt,
                                          editionKey, subject, recipient, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (subscriptionID, period) DO NOTHING
                    """,
                arguments: [
                    edition.subscriptionID, edition.period, edition.messageID,
                    edition.articleIDs.map(String.init).joined(separator: ","), edition.createdAt,
                    edition.key, edition.subject, edition.recipient, edition.status.rawValue,
                ]
            )
            let isNew = db.changesCount > 0
            if isNew {
                try db.execute(
                    sql: "INSERT INTO editionBodies (editionID, html, text) VALUES (?, ?, ?)",
                    arguments: [db.lastInsertedRowID, edition.html, edition.text]
                )
            }
            let stored = try Self.fetchEditions(
                db,
                where: "subscriptionID = ? AND period = ?",
                [edition.subscriptionID, edition.period]
            )[0]
            return (stored, isNew)
        }
    }

    public func edition(subscriptionID: Int64, period: String) async throws -> Edition? {
        try await pool.read { db in
            try Self.fetchEditions(db, where: "subscriptionID = ? AND period = ?", [subscriptionID, period]).first
        }
    }

    public func editionStates(periods: [String]) async throws -> [Edition] {
        guard !periods.isEmpty else { return [] }
        return try await pool.read { db in
            try Self.fetchEditions(
                db,
                where: "period IN (SELECT value FROM json_each(?))",
                [Self.jsonArray(periods)],
                limit: Int.max,
                withRenderedParts: false
            )
        }
    }

    public func edition(key: String) async throws -> Edition? {
        try await pool.read { db in try Self.fetchEditions(db, where: "editionKey = ?", [key]).first }
    }

    public func editions(subscriptionID: Int64, limit: Int) async throws -> [Edition] {
        try await pool.read { db in
            try Self.fetchEditions(db, where: "subscriptionID = ?", [subscriptionID], limit: limit)
        }
    }

    public func editionStates(subscriptionID: Int64, limit: Int) async throws -> [Edition] {
        try await pool.read { db in
            try Self.fetchEditions(
                db,
                where: "subscriptionID = ?",
                [subscriptionID],
                limit: limit,
                withRenderedParts: false
            )
        }
    }

    public func recordDelivery(_ delivery: Delivery) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deliveries (editionID, recipient, status, replyCode, replyText, queueID, attemptedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    delivery.editionID, delivery.recipient.value, delivery.status.rawValue, delivery.replyCode,
                    delivery.replyText, delivery.queueID, delivery.attemptedAt,
                ]
            )
        }
    }

    /// What a lease and an attempt do to an edition: once for each message sent.
    static let leaseEdition =
        "UPDATE editions SET status = 'sending', leaseUntil = ?, attempts = attempts + 1 WHERE id = ?"
    static let finishEdition = """
        UPDATE editions SET status = ?, nextAttemptAt = ?, leaseUntil = NULL, lastReplyCode = ?, lastReplyText = ?
        WHERE id = ?
        """
    /// The row each attempt adds to the ledger.
    static let insertDelivery = """
        INSERT INTO deliveries (editionID, recipient, status, replyCode, replyText, queueID, attemptedAt)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    /// The condition of the `editions_to_send` index (migration v16): queued, deferred or
    /// sending. A query must repeat it word for word for SQLite to use that index.
    static let editionsToSend = "status <> 'delivered' AND status <> 'failed'"

    public func leaseDueEditions(now: Date, leaseUntil: Date, limit: Int) async throws -> [Edition] {
        let nowText = StoredDate.text(now)
        return try await pool.write { db in
            let due = try Self.fetchEditions(
                db,
                where: """
                    \(Self.editionsToSend) AND (status = 'queued'
                        OR (status = 'deferred' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?))
                        OR (status = 'sending' AND leaseUntil < ?))
                    """,
                [nowText, nowText],
                limit: limit,
                oldestFirst: true,
                // Named, so a change that stops it fitting fails loudly instead of sorting
                // every queued edition for each lease.
                index: "editions_to_send"
            )
            let lease = try db.cachedStatement(sql: Self.leaseEdition)
            let until = StoredDate.text(leaseUntil)
            for edition in due { try lease.execute(arguments: [until, edition.id]) }
            return due.map { edition in
                var leased = edition
                leased.status = .sending
                leased.leaseUntil = leaseUntil
                leased.attempts += 1
                return leased
            }
        }
    }

    public func finishAttempt(_ attempt: Delivery, status: Edition.Status, nextAttemptAt: Date?) async throws {
        try await pool.write { db in try Self.finishAttempt(db, attempt, status: status, nextAttemptAt: nextAttemptAt) }
    }

    public func finishAttemptsBlocking(
        _ attempts: [(attempt: Delivery, status: Edition.Status, nextAttemptAt: Date?)]
    ) throws {
        // GRDB runs a synchronous write on the calling thread when the writer is free: no hop.
        // Its `write` prepares BEGIN and COMMIT anew for each transaction, and the ledger
        // commits once for each message sent: here they are prepared once per connection.
        try pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
            do {
                for (attempt, status, nextAttemptAt) in attempts {
                    try Self.finishAttempt(db, attempt, status: status, nextAttemptAt: nextAttemptAt)
                }
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            } catch {
                if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK TRANSACTION") }
                throw error
            }
        }
    }

    private static func finishAttempt(
        _ db: Database,
        _ attempt: Delivery,
        status: Edition.Status,
        nextAttemptAt: Date?
    ) throws {
        // Cached statements: this runs for every message sent.
        try db.cachedStatement(sql: Self.insertDelivery).execute(arguments: [
            attempt.editionID, attempt.recipient.value, attempt.status.rawValue, attempt.replyCode,
            attempt.replyText, attempt.queueID, StoredDate.text(attempt.attemptedAt),
        ])
        try db.cachedStatement(sql: Self.finishEdition).execute(arguments: [
            status.rawValue, nextAttemptAt.map(StoredDate.text), attempt.replyCode, attempt.replyText,
            attempt.editionID,
        ])
    }

    public func reclaimAbandonedEditions() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE editions SET status = CASE WHEN nextAttemptAt IS NULL THEN 'queued' ELSE 'deferred' END,
                                        leaseUntil = NULL
                    WHERE \(Self.editionsToSend) AND status = 'sending'
                    """
            )
        }
    }

    public func releaseEdition(id: Int64, notBefore: Date?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE editions SET status = CASE WHEN ? IS NOT NULL OR nextAttemptAt IS NOT NULL
                                                      THEN 'deferred' ELSE 'queued' END,
                                        nextAttemptAt = COALESCE(?, nextAttemptAt),
                                        leaseUntil = NULL, attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND status = 'sending'
                    """,
                arguments: [notBefore, notBefore, id]
            )
        }
    }

    public func ledger(editionID: Int64?, status: Edition.Status?, since: Date?, limit: Int) async throws -> [Edition] {
        var conditions = ["1 = 1"]
        var arguments: StatementArguments = []
        if let editionID {
            conditions.append("id = ?")
            arguments += [editionID]
        }
        if let status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let since {
            conditions.append("createdAt >= ?")
            arguments += [since]
        }
        let (condition, finalArguments) = (conditions.joined(separator: " AND "), arguments)
        return try await pool.read { db in
            try Self.fetchEditions(db, where: condition, finalArguments, limit: limit)
        }
    }

    public func ledgerCounts(createdSince: Date?) async throws -> [Edition.Status: Int] {
        try await pool.read { db in
            var counts: [Edition.Status: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT status, COUNT(*) AS n FROM editions WHERE createdAt >= ? GROUP BY status",
                arguments: [createdSince ?? .distantPast]
            )
            for row in rows {
                if let status = Edition.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func requeueFailed(since: Date?, now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE editions SET status = 'queued', nextAttemptAt = NULL, leaseUntil = NULL, requeuedAt = ?
                    WHERE status = 'failed' AND createdAt >= ?
                    """,
                arguments: [now, since ?? .distantPast]
            )
            return db.changesCount
        }
    }

    public func failedEditionCount(recipient: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM editions
                    WHERE recipient = ? AND status = 'failed' AND lastReplyCode BETWEEN 500 AND 599
                    """,
                arguments: [recipient]
            ) ?? 0
        }
    }

    public func deliveries(editionID: Int64) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM deliveries WHERE editionID = ? ORDER BY id",
                arguments: [editionID]
            )
            .map { row in
                let recipient: String = row["recipient"]
                let status: String = row["status"]
                guard let address = EmailAddress(recipient), let status = Delivery.Status(rawValue: status) else {
                    throw StoreError("deliveries row \(row["id"] as Int64): unreadable recipient or status")
                }
                return Delivery(
                    id: row["id"],
                    editionID: row["editionID"],
                    recipient: address,
                    status: status,
                    replyCode: row["replyCode"],
                    replyText: row["replyText"],
                    queueID: row["queueID"],
                    attemptedAt: row["attemptedAt"]
                )
            }
        }
    }

    /// Newest first, unless `oldestFirst` (delivery goes in the order editions were made).
    private static func fetchEditions(
        _ db: Database,
        where condition: String,
        _ arguments: StatementArguments,
        limit: Int = 1_000,
        oldestFirst: Bool = false,
        withRenderedParts: Bool = true,
        index: String? = nil
    ) throws -> [Edition] {
        let order = oldestFirst ? "createdAt, id" : "createdAt DESC, id DESC"
        // Named columns in a fixed order, read by position: a name lookup per field was a
        // noticeable part of leasing editions to send.
        // The rendered parts live in editionBodies (migration v11), joined only when wanted.
        let rendered = withRenderedParts ? "b.html, COALESCE(b.text, '')" : "NULL, ''"
        let bodies = withRenderedParts ? "LEFT JOIN editionBodies b ON b.editionID = editions.id" : ""
        let columns = """
            id, subscriptionID, period, messageID, articleIDs, createdAt, editionKey, subject, \(rendered),
            recipient, status, attempts, nextAttemptAt, leaseUntil, lastReplyCode, lastReplyText, requeuedAt
            """
        // Prepared once per connection and kept (the conditions are a handful of fixed texts).
        // Read from a cursor: a copied row would copy each rendered message once more.
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT \(columns) FROM editions \(index.map { "INDEXED BY \($0)" } ?? "") \(bodies)
                    WHERE \(condition) ORDER BY \(order) LIMIT ?
                    """
            ),
            arguments: arguments + [limit]
        )
        return try Array(
            rows.map { row in
                let statusText: String = row[11]
                return Edition(
                    id: row[0],
                    subscriptionID: row[1],
                    period: row[2],
                    messageID: row[3],
                    articleIDs: decodeList(row[4]).compactMap { Int64($0) },
                    createdAt: row[5],
                    key: row[6],
                    subject: row[7],
                    html: row[8],
                    text: row[9],
                    recipient: row[10],
                    status: Edition.Status(rawValue: statusText) ?? .queued,
                    attempts: row[12],
                    nextAttemptAt: row[13],
                    leaseUntil: row[14],
                    lastReplyCode: row[15],
                    lastReplyText: row[16],
                    requeuedAt: row[17]
                )
            }
        )
    }
}
