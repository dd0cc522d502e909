import GRDB

extension SQLiteStore {
    /// The schema, one migration per change; never edit a migration that has shipped.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sources, feeds, articles, subscribers, editions, deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sources (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        country TEXT NOT NULL,
                        language TEXT NOT NULL,
                        topics TEXT NOT NULL DEFAULT ''
                    );
                    CREATE TABLE feeds (
                        url TEXT PRIMARY KEY NOT NULL,
                        sourceID TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        etag TEXT,
                        lastModified TEXT,
                        lastFetchedAt DATETIME,
                        lastSuccessAt DATETIME,
                        lastError TEXT,
                        consecutiveFailures INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE articles (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        sourceID TEXT NOT NULL REFERENCES sources(id),
                        guid TEXT NOT NULL,
                        url TEXT,
                        title TEXT NOT NULL,
                        text TEXT NOT NULL,
                        author TEXT,
                        publishedAt DATETIME NOT NULL,
                        fetchedAt DATETIME NOT NULL,
                        country TEXT NOT NULL,
                        language TEXT NOT NULL,
                        topics TEXT NOT NULL DEFAULT '',
                        UNIQUE (sourceID, guid)
                    );
                    CREATE INDEX articles_by_country_and_date ON articles (country, publishedAt);
                    CREATE INDEX articles_by_date ON articles (publishedAt);
                    CREATE TABLE subscribers (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
                        token TEXT NOT NULL UNIQUE,
                        createdAt DATETIME NOT NULL
                    );
                    CREATE TABLE subscriptions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subscriberID INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                        countries TEXT NOT NULL,
                        topics TEXT NOT NULL DEFAULT '',
                        frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
                        sendHour INTEGER NOT NULL CHECK (sendHour BETWEEN 0 AND 23),
                        timeZone TEXT NOT NULL,
                        format TEXT NOT NULL CHECK (format IN ('html', 'text'))
                    );
                    CREATE INDEX subscriptions_by_subscriber ON subscriptions (subscriberID);
                    CREATE TABLE editions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subscriptionID INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
                        period TEXT NOT NULL,
                        messageID TEXT NOT NULL UNIQUE,
                        articleIDs TEXT NOT NULL,
                        createdAt DATETIME NOT NULL,
                        UNIQUE (subscriptionID, period)
                    );
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        editionID INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
                        recipient TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('delivered', 'deferred', 'failed')),
                        replyCode INTEGER,
                        replyText TEXT,
                        attemptedAt DATETIME NOT NULL
                    );
                    CREATE INDEX deliveries_by_edition ON deliveries (editionID);
                    """
            )
        }
        migrator.registerMigration("v2: sanitized content, images, feed health") { db in
            try db.execute(
                sql: """
                    ALTER TABLE articles ADD COLUMN contentHTML TEXT;
                    ALTER TABLE articles ADD COLUMN imageURL TEXT;
                    ALTER TABLE articles ADD COLUMN updatedAt DATETIME;
                    ALTER TABLE feeds ADD COLUMN nextAttemptAt DATETIME;
                    ALTER TABLE feeds ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT 0;
                    """
            )
        }
        migrator.registerMigration("v3: stories") { db in
            try db.execute(
                sql: """
                    ALTER TABLE articles ADD COLUMN storyID TEXT;
                    CREATE INDEX articles_by_story ON articles (storyID);
                    """
            )
        }
        migrator.registerMigration("v4: editions keep their key and what was rendered") { db in
            // The rendered parts make the archive page and the private feed show exactly the
            // edition that was mailed, even after its articles were updated.
            try db.execute(
                sql: """
                    ALTER TABLE editions ADD COLUMN editionKey TEXT;
                    ALTER TABLE editions ADD COLUMN subject TEXT NOT NULL DEFAULT '';
                    ALTER TABLE editions ADD COLUMN html TEXT;
                    ALTER TABLE editions ADD COLUMN text TEXT NOT NULL DEFAULT '';
                    UPDATE editions SET editionKey = 'legacy-' || id;
                    CREATE UNIQUE INDEX editions_by_key ON editions (editionKey);
                    CREATE INDEX articles_by_first_seen ON articles (fetchedAt);
                    """
            )
        }
        migrator.registerMigration("v5: the delivery ledger and suppressed addresses") { db in
            try db.execute(
                sql: """
                    ALTER TABLE editions ADD COLUMN status TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'sending', 'delivered', 'deferred', 'failed'));
                    ALTER TABLE editions ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
                    ALTER TABLE editions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE editions ADD COLUMN nextAttemptAt DATETIME;
                    ALTER TABLE editions ADD COLUMN leaseUntil DATETIME;
                    ALTER TABLE editions ADD COLUMN lastReplyCode INTEGER;
                    ALTER TABLE editions ADD COLUMN lastReplyText TEXT;
                    ALTER TABLE deliveries ADD COLUMN queueID TEXT;
                    UPDATE editions SET
                        recipient = COALESCE((SELECT s.email FROM subscriptions p JOIN subscribers s
                                              ON s.id = p.subscriberID WHERE p.id = editions.subscriptionID), ''),
                        attempts = (SELECT COUNT(*) FROM deliveries d WHERE d.editionID = editions.id),
                        status = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.editionID = editions.id
                                                   AND d.status = 'delivered')
                                      THEN 'delivered' ELSE 'failed' END,
                        lastReplyText = 'an edition from before the delivery ledger';
                    -- Editions from before the ledger kept no rendering (v4 left them empty): one not
                    -- delivered is closed as failed rather than mailed blank.
                    CREATE INDEX editions_by_status ON editions (status, nextAttemptAt);
                    CREATE TABLE suppressions (
                        email TEXT PRIMARY KEY,
                        reason TEXT NOT NULL,
                        createdAt DATETIME NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v6: weekday and weekdays-only schedules, skipped editions") { db in
            // SQLite cannot change a CHECK constraint in place: the table is rebuilt with the
            // same ids, so editions keep pointing at their subscriptions.
            try db.execute(
                sql: """
                    CREATE TABLE subscriptions_v6 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subscriberID INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                        countries TEXT NOT NULL,
                        topics TEXT NOT NULL DEFAULT '',
                        frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'weekdays')),
                        sendHour INTEGER NOT NULL CHECK (sendHour BETWEEN 0 AND 23),
                        weekday INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
                        timeZone TEXT NOT NULL,
                        format TEXT NOT NULL CHECK (format IN ('html', 'text'))
                    );
                    INSERT INTO subscriptions_v6 (id, subscriberID, countries, topics, frequency, sendHour, timeZone, format)
                        SELECT id, subscriberID, countries, topics, frequency, sendHour, timeZone, format FROM subscriptions;
                    DROP TABLE subscriptions;
                    ALTER TABLE subscriptions_v6 RENAME TO subscriptions;
                    CREATE INDEX subscriptions_by_subscriber ON subscriptions (subscriberID);
                    CREATE TABLE skippedEditions (
                        subscriptionID INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
                        period TEXT NOT NULL,
                        dueAt DATETIME NOT NULL,
                        recordedAt DATETIME NOT NULL,
                        PRIMARY KEY (subscriptionID, period)
                    );
                    """
            )
        }
        migrator.registerMigration("v7: metadata, editions by period") { db in
            try db.execute(
                sql: """
                    CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE INDEX editions_by_period ON editions (period);
                    """
            )
        }
        migrator.registerMigration("v8: confirmation emails") { db in
            try db.execute(sql: "ALTER TABLE subscribers ADD COLUMN confirmationSentAt DATETIME")
        }
        migrator.registerMigration("v9: requeued editions") { db in
            try db.execute(sql: "ALTER TABLE editions ADD COLUMN requeuedAt DATETIME")
        }
        migrator.registerMigration("v10: editions to send, oldest first") { db in
            // Partial: delivered and failed editions, nearly all of them in time, stay out, and
            // leasing walks this in order instead of sorting every queued edition each time.
            try db.execute(
                sql: """
                    CREATE INDEX editions_to_send ON editions (createdAt)
                    WHERE status IN ('queued', 'deferred', 'sending')
                    """
            )
        }
        migrator.registerMigration("v11: edition bodies in a table of their own") { db in
            // Every lease and every attempt updates an edition's state; with the rendered message
            // (tens of KB, on overflow pages) in the same row, each update rewrote all of it.
            try db.execute(
                sql: """
                    CREATE TABLE editionBodies (
                        editionID INTEGER PRIMARY KEY REFERENCES editions(id) ON DELETE CASCADE,
                        html TEXT,
                        text TEXT NOT NULL
                    );
                    INSERT INTO editionBodies (editionID, html, text) SELECT id, html, text FROM editions;
                    ALTER TABLE editions DROP COLUMN html;
                    ALTER TABLE editions DROP COLUMN text;
                    """
            )
        }
        migrator.registerMigration("v12: failed editions by recipient") { db in
            // Every attempt changes an edition's status, and editions_by_status (v5) was written
            // each time; leasing no longer reads it (editions_to_send does). What still needs an
            // index is counting an address's failures, which this small partial one serves.
            try db.execute(
                sql: """
                    DROP INDEX editions_by_status;
                    CREATE INDEX editions_failed_by_recipient ON editions (recipient) WHERE status = 'failed';
                    """
            )
        }
        migrator.registerMigration("v13: paused is not unsubscribed") { db in
            try db.execute(sql: "ALTER TABLE subscribers ADD COLUMN pausedAt DATETIME")
        }
        migrator.registerMigration("v14: indexes for the data version and skipped editions") { db in
            // dataVersion's MAX(updatedAt), which the web server reads every few seconds, read
            // every article; a send's skipped editions of the day read every one ever recorded.
            try db.execute(
                sql: """
                    CREATE INDEX articles_by_update ON articles (updatedAt);
                    CREATE INDEX skipped_editions_by_period ON skippedEditions (period);
                    """
            )
        }
        migrator.registerMigration("v15: subscriber changes count in the data version") { db in
            // Whatever process makes the change (the web server, `gazette unsubscribe`, the
            // daemon), a subscriber who leaves or pauses changes the data version, and with it
            // the cached private feed that must stop being served.
            try db.execute(
                sql: """
                    CREATE TRIGGER subscribers_version AFTER UPDATE OF status, pausedAt ON subscribers
                    WHEN OLD.status IS NOT NEW.status OR OLD.pausedAt IS NOT NEW.pausedAt
                    BEGIN
                        INSERT INTO metadata (key, value) VALUES ('subscribersVersion', '1')
                        ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
                    END
                    """
            )
        }
        migrator.registerMigration("v16: editions to send, without an IN list") { db in
            // The same editions as v10's condition (the CHECK on status allows five values), but
            // SQLite tests an IN list through a temporary b-tree, built and dropped twice (old
            // row, new row) by every update of an edition's status: twice for each message sent.
            try db.execute(
                sql: """
                    DROP INDEX editions_to_send;
                    CREATE INDEX editions_to_send ON editions (createdAt)
                    WHERE status <> 'delivered' AND status <> 'failed';
                    """
            )
        }
        migrator.registerMigration("v17: status checks without an IN list") { db in
            // Like v16's index condition, each CHECK (status IN (...)) built and dropped a
            // temporary b-tree on every insert or update of the row: three times for each
            // message sent (lease, delivery row, edition state). Rewritten as the same test with
            // OR, which SQLite evaluates in place. The rows do not change, so SQLite's documented
            // short procedure for such changes applies: edit the stored CREATE TABLE, bump the
            // schema version (every connection then reads the schema again).
            let checks = [
                (
                    "editions", "status IN ('queued', 'sending', 'delivered', 'deferred', 'failed')",
                    "(status = 'queued' OR status = 'sending' OR status = 'delivered' OR status = 'deferred' OR status = 'failed')"
                ),
                (
                    "deliveries", "status IN ('delivered', 'deferred', 'failed')",
                    "(status = 'delivered' OR status = 'deferred' OR status = 'failed')"
                ),
            ]
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for (table, old, new) in checks {
                try db.execute(
                    sql: "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
                    arguments: [old, new, table]
                )
            }
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        return migrator
    }()
}
