import AWSWire
import Foundation
import GRDB
import Logging
import Synchronization

/// S3's state: buckets and objects on disk, indexed in SQLite.
///
/// Every write follows one discipline: the bytes go to a temporary file, are fsynced and renamed into an
/// immutable blob, and only then does the index commit point at them. A reader therefore sees the old object or
/// the new one, never a part, and a crash at any step leaves at worst an unreferenced blob, swept at the next start.
public final class ObjectStore: Sendable {
    public static let minimumPartSize: Int64 = 5 * 1024 * 1024

    public let layout: StoreLayout
    public let defaultRegion: String
    private let pool: DatabasePool
    let io: BlockingIO
    let attributeCache = AttributesCache()
    /// The buckets, mirrored from the index. Every bucket change goes through this store (one server owns the data
    /// directory), and checking a bucket in memory spares an index read, which right after any write costs a
    /// reader connection about 50 µs of catching up with the WAL. Writes still check inside their transaction.
    let buckets = Mutex<[String: Bucket]>([:])
    let fsync: Bool
    let logger: Logger

    public init(dataDirectory: String, defaultRegion: String = "us-east-1", fsync: Bool = true, logger: Logger) throws {
        layout = StoreLayout(dataDirectory: dataDirectory)
        self.defaultRegion = defaultRegion
        self.fsync = fsync
        self.logger = logger
        try layout.createDirectories()
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync survives a killed process; only a power loss can cost the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: layout.database, configuration: configuration)
        try Schema.migrator.migrate(pool)
        let stored = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, region, created FROM buckets").map {
                Bucket(name: $0[0], region: $0[1], creationDate: Date(timeIntervalSince1970: $0[2]))
            }
        }
        buckets.withLock { buckets in
            for bucket in stored { buckets[bucket.name] = bucket }
        }
        io = BlockingIO(threads: 8)
        try recover()
    }

    public func shutdown() async throws {
        try await io.shutdown()
        try pool.close()
    }

    /// Starts a body upload into a temporary file.
    public func makeWriter(checksum: ChecksumAlgorithm? = nil, computeSHA256: Bool = false) -> BlobWriter {
        BlobWriter(layout: layout, io: io, fsync: fsync, checksum: checksum, computeSHA256: computeSHA256)
    }

    /// Runs blocking file work (a large copy) on the store's I/O pool, off the threads that serve requests.
    public func blocking<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await io.run(body)
    }

    /// Reads the index on the calling thread. An index read is a few B-tree lookups answered from SQLite's page
    /// cache in microseconds, far less than the two thread hops of GRDB's async API, which doubled the latency
    /// of a small GET.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Runs a single-statement read without the transaction `read` wraps around its body.
    func lookup<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }

    /// Writes the index on the calling thread, for the same reason; a commit in WAL mode with `synchronous =
    /// NORMAL` does not wait for the disk.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }

    /// Deletes blobs no longer referenced, on the I/O pool and without waiting: unlinking costs the file system
    /// about 0.1 ms even for a small file, which a PUT or DELETE reply need not wait for. Nothing references the
    /// blobs any more, and one left behind by a crash or a shutdown is an orphan that the next start sweeps.
    func removeBlobs(_ segments: [Segment]) {
        guard !segments.isEmpty else { return }
        let paths = segments.map { layout.blobPath($0.blob) }
        io.submit {
            for path in paths { unlink(path) }
        }
    }

    /// Empties the temporary area and deletes blobs the index does not reference (left by a crash between
    /// rename and commit, or by a crash or shutdown before the deferred deletion of replaced blobs ran).
    private func recover() throws {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: layout.temporary)) ?? [] {
            unlink(layout.temporaryPath(name))
        }
        let referenced = try read { db -> Set<String> in
            var names = Set<String>()
            let rows = try Row.fetchCursor(db, sql: "SELECT segments FROM objects")
            while let row = try rows.next() {
                let text: String = row[0]
                for segment in try Segment.segments(column: text) { names.insert(segment.blob) }
            }
            for blob in try String.fetchAll(db, sql: "SELECT blob FROM parts") { names.insert(blob) }
            return names
        }
        var swept = 0
        for folder in (try? fm.contentsOfDirectory(atPath: layout.blobs)) ?? [] {
            for name in (try? fm.contentsOfDirectory(atPath: layout.blobs + "/" + folder)) ?? [] where !referenced.contains(name) {
                unlink(layout.blobPath(name))
                swept += 1
            }
        }
        if swept > 0 { logger.info("swept \(swept) unreferenced blob(s) left by an earlier crash") }
    }
}

extension Data {
    init(key: String) { self.init(key.utf8) }
}

extension ObjectAttributes {
    var json: String { IndexJSON.encode(self) }
    init(json: String) throws { self = try IndexJSON.decode(ObjectAttributes.self, json) }
}

/// The codec of the index's JSON columns (attributes, checksum, segments).
enum IndexJSON {
    private static let decoder = JSONDecoder()
    private static let encoder = JSONEncoder()

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}

/// Decoded `attributes` values by their JSON text. Objects share a handful of distinct attribute sets (one
/// content type, no metadata), so nearly every HEAD and GET finds its value here instead of decoding JSON. The key
/// is the text's bytes: Swift compares strings up to Unicode equivalence, and a value must come back with exactly
/// the bytes it was sent with.
final class AttributesCache: Sendable {
    static let capacity = 256
    private let entries = Mutex<[Data: ObjectAttributes]>([:])

    func attributes(_ json: String) throws -> ObjectAttributes {
        let key = Data(json.utf8)
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let decoded = try ObjectAttributes(json: json)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = decoded
        }
        return decoded
    }
}
