import AWSWire
import Foundation
import GRDB

/// CloudWatch's metric data, in SQLite.
///
/// Every put is kept as a statistic set at millisecond resolution and aggregated at query time, so any period can be
/// asked of any data (CloudWatch itself rolls old data up; an emulator holding a few training runs need not).
public final class MetricStore: Sendable {
    let db: DatabasePool

    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        db = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // `dimensions` is the canonical (name-sorted) dimension list, so one dimension set is one row.
            try db.execute(
                sql: """
                    CREATE TABLE metrics (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        dimensions TEXT NOT NULL, last_put INTEGER NOT NULL,
                        UNIQUE (namespace, name, dimensions)
                    );
                    CREATE TABLE metric_dimensions (
                        metric_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (metric_id, name)
                    ) WITHOUT ROWID;
                    CREATE INDEX metric_dimensions_by_name ON metric_dimensions (name, value);
                    CREATE TABLE datapoints (
                        metric_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, unit TEXT NOT NULL,
                        sample_count REAL NOT NULL, sum REAL NOT NULL, minimum REAL NOT NULL, maximum REAL NOT NULL
                    );
                    CREATE INDEX datapoints_by_metric ON datapoints (metric_id, timestamp);
                    """)
        }
        try migrator.migrate(db)
    }

    /// One PutMetricData entry.
    public struct Datum: Sendable, Equatable {
        public let metric: Metric
        public let timestamp: Date
        /// nil is stored as `None`.
        public let unit: String?
        public let statistics: StatisticSet

        public init(metric: Metric, statistics: StatisticSet, timestamp: Date, unit: String? = nil) {
            self.metric = metric
            self.statistics = statistics
            self.timestamp = timestamp
            self.unit = unit
        }
    }

    /// One period's aggregate of one unit's data; `timestamp` is the start of the period.
    public struct Bucket: Sendable, Equatable {
        public let timestamp: Date
        public let unit: String
        public let statistics: StatisticSet
    }

    /// A metric as ListMetrics pages through them; `id` orders them and is the paging position.
    public struct Listed: Sendable, Equatable {
        public let id: Int64
        public let metric: Metric
    }

    public func put(namespace: String, name: String, dimensions: [String: String], value: Double, timestamp: Date, unit: String?) async throws {
        try await put([
            Datum(metric: Metric(namespace: namespace, name: name, dimensions: dimensions), statistics: StatisticSet(value: value), timestamp: timestamp, unit: unit)
        ])
    }

    /// Stores data in one transaction.
    public func put(_ data: [Datum]) async throws {
        guard !data.isEmpty else { return }
        let now = AWSDate.epochMilliseconds(Date())
        try await db.write { db in
            var ids: [Metric: Int64] = [:]
            let insert = try db.cachedStatement(
                sql: "INSERT INTO datapoints (metric_id, timestamp, unit, sample_count, sum, minimum, maximum) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for datum in data {
                let id: Int64
                if let known = ids[datum.metric] {
                    id = known
                } else {
                    id = try Self.metricID(db, datum.metric, now: now)
                    ids[datum.metric] = id
                }
                let set = datum.statistics
                try insert.execute(arguments: [
                    id, AWSDate.epochMilliseconds(datum.timestamp), datum.unit ?? "None", set.sampleCount, set.sum, set.minimum, set.maximum,
                ])
            }
        }
    }

    /// The row of a metric, created on its first put; each put also marks it active for ListMetrics' `RecentlyActive`.
    private static func metricID(_ db: Database, _ metric: Metric, now: Int64) throws -> Int64 {
        let key = canonical(metric.dimensions)
        if let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ?", arguments: [metric.namespace, metric.name, key])
        {
            try db.execute(sql: "UPDATE metrics SET last_put = ? WHERE id = ?", arguments: [now, id])
            return id
        }
        try db.execute(
            sql: "INSERT INTO metrics (namespace, name, dimensions, last_put) VALUES (?, ?, ?, ?)",
            arguments: [metric.namespace, metric.name, key, now])
        let id = db.lastInsertedRowID
        for (name, value) in metric.dimensions {
            try db.execute(sql: "INSERT INTO metric_dimensions (metric_id, name, value) VALUES (?, ?, ?)", arguments: [id, name, value])
        }
        return id
    }

    /// The data of exactly this metric in `[origin, end)`, aggregated into periods that start at `origin`; with a
    /// `unit`, only data put with that unit, else one bucket per unit and period. Ordered by time, then unit.
    public func aggregate(_ metric: Metric, origin: Date, end: Date, period: Int, unit: String?) async throws -> [Bucket] {
        let start = AWSDate.epochMilliseconds(origin)
        let periodMilliseconds = Int64(period) * 1000
        return try await db.read { db in
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ?",
                    arguments: [metric.namespace, metric.name, Self.canonical(metric.dimensions)])
            else { return [] }
            var sql = """
                SELECT (timestamp - ?) / ? AS bucket, unit, SUM(sample_count), SUM(sum), MIN(minimum), MAX(maximum)
                FROM datapoints WHERE metric_id = ? AND timestamp >= ? AND timestamp < ?
                """
            var arguments: StatementArguments = [start, periodMilliseconds, id, start, AWSDate.epochMilliseconds(end)]
            if let unit {
                sql += " AND unit = ?"
                arguments += [unit]
            }
            sql += " GROUP BY bucket, unit ORDER BY bucket, unit"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let bucket: Int64 = row[0]
                return Bucket(
                    timestamp: Date(timeIntervalSince1970: Double(start + bucket * periodMilliseconds) / 1000), unit: row[1],
                    statistics: StatisticSet(sampleCount: row[2], sum: row[3], minimum: row[4], maximum: row[5]))
            }
        }
    }

    /// Metrics in creation order after position `after`, filtered as ListMetrics does: each filter names a dimension
    /// the metric must have, with the given value when there is one.
    public func metrics(
        namespace: String?, name: String?, dimensions: [(name: String, value: String?)], activeSince: Date?, after: Int64, limit: Int
    ) async throws -> (metrics: [Listed], more: Bool) {
        var sql = "SELECT id, namespace, name, dimensions FROM metrics WHERE id > ?"
        var arguments: StatementArguments = [after]
        if let namespace {
            sql += " AND namespace = ?"
            arguments += [namespace]
        }
        if let name {
            sql += " AND name = ?"
            arguments += [name]
        }
        if let activeSince {
            sql += " AND last_put >= ?"
            arguments += [AWSDate.epochMilliseconds(activeSince)]
        }
        for filter in dimensions {
            sql += " AND EXISTS (SELECT 1 FROM metric_dimensions d WHERE d.metric_id = metrics.id AND d.name = ?"
            arguments += [filter.name]
            if let value = filter.value {
                sql += " AND d.value = ?"
                arguments += [value]
            }
            sql += ")"
        }
        sql += " ORDER BY id LIMIT ?"
        arguments += [limit + 1]
        let rows = try await db.read { [sql, arguments] db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let listed = try rows.prefix(limit).map { row in
            Listed(id: row[0], metric: Metric(namespace: row[1], name: row[2], dimensions: try Self.dimensions(row[3])))
        }
        return (listed, rows.count > limit)
    }

    /// `[["Host","algo-1"],["TrainingJobName","job"]]`: sorted by name, so the same set always gives the same key.
    static func canonical(_ dimensions: [String: String]) -> String {
        let pairs = dimensions.sorted { $0.key < $1.key }.map { JSONValue.array([.string($0.key), .string($0.value)]) }
        return String(decoding: JSONValue.array(pairs).encoded(), as: UTF8.self)
    }

    static func dimensions(_ canonical: String) throws -> [String: String] {
        var dimensions: [String: String] = [:]
        for pair in try JSONValue.decode(Data(canonical.utf8)).arrayValue ?? [] {
            if let name = pair.arrayValue?.first?.stringValue, let value = pair.arrayValue?.last?.stringValue {
                dimensions[name] = value
            }
        }
        return dimensions
    }
}
