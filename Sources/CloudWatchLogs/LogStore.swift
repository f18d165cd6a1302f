import AWSWire
import Foundation
import GRDB

/// CloudWatch Logs' state: groups, streams and events, in SQLite.
///
/// Events get a global, increasing id; tokens are positions in that order, so a token handed out for an empty page
/// still finds the events written after it, which is what both SDK log tailers rely on.
public final class LogStore: Sendable {
    let db: DatabasePool
    public let region: String
    public let accountId: String

    public init(path: String, region: String, accountId: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        db = try DatabasePool(path: path, configuration: configuration)
        self.region = region
        self.accountId = accountId
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_groups (name TEXT PRIMARY KEY, created INTEGER NOT NULL);
                    CREATE TABLE log_streams (
                        group_name TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,
                        first_event INTEGER, last_event INTEGER, last_ingestion INTEGER, stored_bytes INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (group_name, name)
                    ) WITHOUT ROWID;
                    CREATE TABLE log_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, group_name TEXT NOT NULL, stream TEXT NOT NULL,
                        timestamp INTEGER NOT NULL, ingestion INTEGER NOT NULL, message TEXT NOT NULL
                    );
                    CREATE INDEX log_events_by_stream ON log_events (group_name, stream, id);
                    CREATE INDEX log_events_by_group ON log_events (group_name, timestamp);
                    """)
        }
        try migrator.migrate(db)
    }

    public struct Event: Sendable, Equatable {
        public let id: Int64
        public let stream: String
        public let timestamp: Int64
        public let ingestion: Int64
        public let message: String
    }

    public struct Stream: Sendable {
        public let name: String
        public let created: Int64
        public let firstEvent: Int64?
        public let lastEvent: Int64?
        public let lastIngestion: Int64?
        public let storedBytes: Int64
    }


    static func groupNotFound() -> AWSError {
        AWSError(code: "ResourceNotFoundException", message: "The specified log group does not exist.", status: 400)
    }

    static func streamNotFound() -> AWSError {
        AWSError(code: "ResourceNotFoundException", message: "The specified log stream does not exist.", status: 400)
    }

    public func groupARN(_ group: String) -> String {
        "arn:aws:logs:\(region):\(accountId):log-group:\(group):*"
    }

    public func createGroup(_ group: String, failIfExists: Bool = false) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) != nil {
                if failIfExists {
                    throw AWSError(code: "ResourceAlreadyExistsException", message: "The specified log group already exists", status: 400)
                }
                return
            }
            try db.execute(sql: "INSERT INTO log_groups (name, created) VALUES (?, ?)", arguments: [group, AWSDate.epochMilliseconds()])
        }
    }

    /// Creates a stream, and its group when the group is missing (as the training platform does).
    public func createStream(group: String, stream: String, failIfExists: Bool = false) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) == nil {
                if failIfExists { throw Self.groupNotFound() }
                try db.execute(sql: "INSERT INTO log_groups (name, created) VALUES (?, ?)", arguments: [group, AWSDate.epochMilliseconds()])
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, stream]) != nil {
                if failIfExists {
                    throw AWSError(code: "ResourceAlreadyExistsException", message: "The specified log stream already exists", status: 400)
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO log_streams (group_name, name, created) VALUES (?, ?, ?)", arguments: [group, stream, AWSDate.epochMilliseconds()])
        }
    }

    /// Appends events (timestamps in epoch milliseconds) to an existing stream in one transaction.
    public func append(group: String, stream: String, events: [(timestamp: Int64, message: String)]) async throws {
        guard !events.isEmpty else { return }
        let ingestion = AWSDate.epochMilliseconds()
        try await db.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, stream]) != nil
            else { throw Self.streamNotFound() }
            let insert = try db.cachedStatement(
                sql: "INSERT INTO log_events (group_name, stream, timestamp, ingestion, message) VALUES (?, ?, ?, ?, ?)")
            var bytes: Int64 = 0
            for event in events {
                try insert.execute(arguments: [group, stream, event.timestamp, ingestion, event.message])
                bytes += Int64(event.message.utf8.count)
            }
            try db.execute(
                sql: """
                    UPDATE log_streams SET
                        first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
                        last_ingestion = ?, stored_bytes = stored_bytes + ?
                    WHERE group_name = ? AND name = ?
                    """,
                arguments: [
                    events.map(\.timestamp).min()!, events.map(\.timestamp).min()!, events.map(\.timestamp).max()!,
                    events.map(\.timestamp).max()!, ingestion, bytes, group, stream,
                ])
        }
    }

    public func groups(prefix: String?, after: String?, limit: Int) async throws -> (names: [(String, Int64)], more: Bool) {
        let rows = try await db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, created FROM log_groups WHERE name >= ? AND name > ? ORDER BY name LIMIT ?",
                arguments: [prefix ?? "", after ?? "", limit + 1])
        }
        let names = rows.map { ($0[0] as String, $0[1] as Int64) }.filter { prefix == nil || $0.0.hasPrefix(prefix!) }
        return (Array(names.prefix(limit)), names.count > limit)
    }

    /// Streams of a group, by name (optionally under a prefix) or by last event time.
    public func streams(group: String, prefix: String?, byLastEventTime: Bool, descending: Bool, offset: Int, limit: Int) async throws
        -> (streams: [Stream], more: Bool)
    {
        try await db.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) != nil else {
                throw Self.groupNotFound()
            }
            let order = byLastEventTime ? "COALESCE(last_event, created)" : "name"
            let direction = descending ? "DESC" : "ASC"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT name, created, first_event, last_event, last_ingestion, stored_bytes FROM log_streams
                    WHERE group_name = ? AND substr(name, 1, ?) = ? ORDER BY \(order) \(direction), name LIMIT ? OFFSET ?
                    """,
                arguments: [group, (prefix ?? "").count, prefix ?? "", limit + 1, offset])
            let streams = rows.map {
                Stream(name: $0[0], created: $0[1], firstEvent: $0[2], lastEvent: $0[3], lastIngestion: $0[4], storedBytes: $0[5])
            }
            return (Array(streams.prefix(limit)), streams.count > limit)
        }
    }

    /// Events of one stream after the position `afterId` (forward) or before `beforeId` (backward).
    public func events(
        group: String, stream: String, startTime: Int64?, endTime: Int64?, afterId: Int64?, beforeId: Int64?, fromHead: Bool, limit: Int
    ) async throws -> [Event] {
        try await db.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM log_streams WHERE group_name = ? AND name = ?", arguments: [group, stream]) != nil
            else {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) == nil { throw Self.groupNotFound() }
                throw Self.streamNotFound()
            }
            var sql = "SELECT id, stream, timestamp, ingestion, message FROM log_events WHERE group_name = ? AND stream = ?"
            var arguments: StatementArguments = [group, stream]
            if let startTime {
                sql += " AND timestamp >= ?"
                arguments += [startTime]
            }
            if let endTime {
                sql += " AND timestamp < ?"
                arguments += [endTime]
            }
            if let afterId {
                sql += " AND id > ?"
                arguments += [afterId]
            }
            if let beforeId {
                sql += " AND id < ?"
                arguments += [beforeId]
            }
            let ascending = fromHead && beforeId == nil
            sql += " ORDER BY id \(ascending ? "ASC" : "DESC") LIMIT ?"
            arguments += [limit]
            let events = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event)
            return ascending ? events : events.reversed()
        }
    }

    /// Events across a group's streams, in id order, after `afterId`.
    public func filter(
        group: String, streams: [String]?, streamPrefix: String?, startTime: Int64?, endTime: Int64?, afterId: Int64, limit: Int
    ) async throws -> [Event] {
        try await db.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM log_groups WHERE name = ?", arguments: [group]) != nil else {
                throw Self.groupNotFound()
            }
            var sql = "SELECT id, stream, timestamp, ingestion, message FROM log_events WHERE group_name = ? AND id > ?"
            var arguments: StatementArguments = [group, afterId]
            if let streams, !streams.isEmpty {
                sql += " AND stream IN (\(streams.map { _ in "?" }.joined(separator: ",")))"
                arguments += StatementArguments(streams)
            }
            if let streamPrefix {
                sql += " AND substr(stream, 1, ?) = ?"
                arguments += [streamPrefix.count, streamPrefix]
            }
            if let startTime {
                sql += " AND timestamp >= ?"
                arguments += [startTime]
            }
            if let endTime {
                sql += " AND timestamp <= ?"
                arguments += [endTime]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event)
        }
    }

    static func event(_ row: Row) -> Event {
        Event(id: row[0], stream: row[1], timestamp: row[2], ingestion: row[3], message: row[4])
    }
}
