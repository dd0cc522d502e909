import Foundation
import GRDB
import GazetteCore

extension SQLiteStore: EditionStore {
    public func claimEdition(_ edition: Edition) async throws -> (edition: Edition, isNew: Bool) {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO editions (subscriptionID, period, messageID, articleIDs, createdAt,
                                          editionKey, subject, html, text)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (subscriptionID, period) DO NOTHING
                    """,
                arguments: [
                    edition.subscriptionID, edition.period, edition.messageID,
                    edition.articleIDs.map(String.init).joined(separator: ","), edition.createdAt,
                    edition.key, edition.subject, edition.html, edition.text,
                ]
            )
            let isNew = db.changesCount > 0
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

    public func edition(key: String) async throws -> Edition? {
        try await pool.read { db in try Self.fetchEditions(db, where: "editionKey = ?", [key]).first }
    }

    public func editions(subscriptionID: Int64, limit: Int) async throws -> [Edition] {
        try await pool.read { db in
            try Self.fetchEditions(db, where: "subscriptionID = ?", [subscriptionID], limit: limit)
        }
    }

    public func recordDelivery(_ delivery: Delivery) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deliveries (editionID, recipient, status, replyCode, replyText, attemptedAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    delivery.editionID, delivery.recipient.value, delivery.status.rawValue, delivery.replyCode,
                    delivery.replyText, delivery.attemptedAt,
                ]
            )
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
                    attemptedAt: row["attemptedAt"]
                )
            }
        }
    }

    /// Newest first.
    private static func fetchEditions(
        _ db: Database,
        where condition: String,
        _ arguments: StatementArguments,
        limit: Int = 1_000
    ) throws -> [Edition] {
        try Row.fetchAll(
            db,
            sql: "SELECT * FROM editions WHERE \(condition) ORDER BY createdAt DESC, id DESC LIMIT ?",
            arguments: arguments + [limit]
        ).map { row in
            Edition(
                id: row["id"],
                subscriptionID: row["subscriptionID"],
                period: row["period"],
                messageID: row["messageID"],
                articleIDs: decodeList(row["articleIDs"]).compactMap { Int64($0) },
                createdAt: row["createdAt"],
                key: row["editionKey"],
                subject: row["subject"],
                html: row["html"],
                text: row["text"]
            )
        }
    }
}
