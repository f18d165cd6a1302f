import Foundation
import GRDB

/// The index's tables. Keys are BLOBs so SQLite orders them by bytes, which is S3's UTF-8 byte order.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE buckets (
                        name TEXT PRIMARY KEY,
                        region TEXT NOT NULL,
                        created REAL NOT NULL
                    );
                    CREATE TABLE objects (
                        bucket TEXT NOT NULL,
                        key BLOB NOT NULL,
                        size INTEGER NOT NULL,
                        etag TEXT NOT NULL,
                        last_modified REAL NOT NULL,
                        attributes TEXT NOT NULL,
                        checksum TEXT,
                        segments TEXT NOT NULL,
                        parts_count INTEGER,
                        PRIMARY KEY (bucket, key)
                    ) WITHOUT ROWID;
                    CREATE TABLE uploads (
                        upload_id TEXT PRIMARY KEY,
                        bucket TEXT NOT NULL,
                        key BLOB NOT NULL,
                        initiated REAL NOT NULL,
                        attributes TEXT NOT NULL,
                        checksum_algorithm TEXT
                    );
                    CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated);
                    CREATE TABLE parts (
                        upload_id TEXT NOT NULL,
                        part_number INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        etag TEXT NOT NULL,
                        last_modified REAL NOT NULL,
                        checksum TEXT,
                        blob TEXT NOT NULL,
                        PRIMARY KEY (upload_id, part_number)
                    ) WITHOUT ROWID;
                    CREATE TABLE completed_uploads (
                        upload_id TEXT PRIMARY KEY,
                        bucket TEXT NOT NULL,
                        key BLOB NOT NULL,
                        etag TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-compact-columns") { db in
            // `segments` and `checksum` were JSON; see `Segment.column` for why they are short text now.
            let rows = try Row.fetchAll(db, sql: "SELECT bucket, key, segments, checksum FROM objects")
            for row in rows {
                let segments = try IndexJSON.decode([Segment].self, row["segments"])
                let checksum = try (row["checksum"] as String?).map { try IndexJSON.decode(StoredChecksum.self, $0) }
                try db.execute(
                    sql: "UPDATE objects SET segments = ?, checksum = ? WHERE bucket = ? AND key = ?",
                    arguments: [Segment.column(segments), checksum?.column, row["bucket"], row["key"] as Data])
            }
        }
        return migrator
    }
}
