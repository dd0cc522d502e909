import Foundation
import GRDB

extension SQLiteStore: RetentionStore {
    public func prune(articlesBefore: Date, editionsBefore: Date) async throws -> PruneCounts {
        try await pool.write { db in
            // Both dates: an old article a feed still lists is not deleted and fetched again as
            // new each day, and one just published is never deleted for a date in the past.
            try db.execute(
                sql: "DELETE FROM articles WHERE fetchedAt < ? AND publishedAt < ?",
                arguments: [articlesBefore, articlesBefore]
            )
            let articles = db.changesCount
            // Only editions that are done: a queued or deferred one still needs its message.
            try db.execute(
                sql: """
                    DELETE FROM editionBodies WHERE editionID IN (
                        SELECT id FROM editions WHERE status IN ('delivered', 'failed') AND createdAt < ?)
                    """,
                arguments: [editionsBefore]
            )
            let editionBodies = db.changesCount
            try db.execute(sql: "DELETE FROM skippedEditions WHERE recordedAt < ?", arguments: [editionsBefore])
            return PruneCounts(articles: articles, editionBodies: editionBodies, skippedEditions: db.changesCount)
        }
    }
}
