import Foundation
import GRDB
import GazetteCore

/// The embedded store: one SQLite file in WAL mode, through GRDB.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database file and applies every pending migration.
    public init(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // In WAL mode NORMAL survives any crash of the process (the delivery ledger's SIGKILL
        // test); only a power cut can roll back the last commits, and then a digest is sent
        // again, never lost. FULL would fsync every commit: one per message delivered.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            // DatabasePool puts the file in WAL mode: readers never block the writer.
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError("database \(path): \(error.message ?? error.description)")
        }
    }

    /// The migrations applied so far, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    public var journalMode: String {
        get throws { try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" } }
    }
}

// MARK: - Column encodings shared by the store's files

extension SQLiteStore {
    /// Lists of countries and topics are stored as comma-separated text with a comma at each
    /// end (",DE,FR,"), so that `LIKE '%,DE,%'` finds one element without a join.
    static func encodeList(_ items: [String]) -> String {
        items.isEmpty ? "" : "," + items.joined(separator: ",") + ","
    }

    static func decodeList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init)
    }

    static func decodeCountries(_ text: String?) -> [Country] {
        decodeList(text).compactMap { Country(code: $0) }
    }

    static func decodeTopics(_ text: String?) -> [Topic] {
        decodeList(text).compactMap { Topic($0) }
    }
}
