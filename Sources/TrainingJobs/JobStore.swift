import AWSWire
import Foundation
import GRDB

/// Training jobs persisted in SQLite, one JSON document per job, so jobs survive a restart.
final class JobStore: Sendable {
    private let db: DatabasePool

    init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        db = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE training_jobs (name TEXT PRIMARY KEY, created REAL NOT NULL, document TEXT NOT NULL)")
        }
        try migrator.migrate(db)
    }

    func save(_ job: TrainingJob) throws {
        let document = String(decoding: try JSONEncoder().encode(job), as: UTF8.self)
        try db.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO training_jobs (name, created, document) VALUES (?, ?, ?)",
                arguments: [job.name, job.creationTime.timeIntervalSince1970, document])
        }
    }

    func loadAll() throws -> [TrainingJob] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM training_jobs ORDER BY created").map {
                try JSONDecoder().decode(TrainingJob.self, from: Data($0.utf8))
            }
        }
    }
}
