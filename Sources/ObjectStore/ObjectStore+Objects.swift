import AWSWire
import Crypto
import Foundation
import GRDB
import NIOCore

extension ObjectStore {
    static let objectColumns = "bucket, key, size, etag, last_modified, attributes, checksum, segments, parts_count"

    /// Makes `blob` the object at `key`, replacing any earlier version atomically.
    @discardableResult
    public func putObject(
        bucket: String, key: String, blob: WrittenBlob, attributes: ObjectAttributes, checksum: StoredChecksum?
    ) async throws -> ObjectRecord {
        let record = ObjectRecord(
            bucket: bucket, key: key, size: blob.size, etag: blob.md5Hex, lastModified: Date(), attributes: attributes,
            checksum: checksum, segments: [Segment(blob: blob.name, size: blob.size)], partsCount: nil)
        do {
            try await commit(record)
        } catch {
            removeBlobs(record.segments)
            throw error
        }
        return record
    }

    /// Writes the index row for `record` (whose blobs are installed) and deletes the blobs it replaces, along with
    /// those that `extra`, run in the same transaction, retires.
    func commit(_ record: ObjectRecord, inside extra: (@Sendable (Database) throws -> [Segment])? = nil) async throws {
        let replaced = try write { db -> [Segment] in
            try Self.requireBucket(db, record.bucket)
            let retired = try extra?(db) ?? []
            let old = try String.fetchOne(db.cachedStatement(sql: "SELECT segments FROM objects WHERE bucket = ? AND key = ?"), arguments: [record.bucket, Data(key: record.key)])
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO objects (\(Self.objectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").execute(arguments: [
                    record.bucket, Data(key: record.key), record.size, record.etag, record.lastModified.timeIntervalSince1970,
                    record.attributes.json, record.checksum?.column, Segment.column(record.segments), record.partsCount,
                ])
            return try (old.map(Segment.segments(column:)) ?? []) + retired
        }
        removeBlobs(replaced.filter { old in !record.segments.contains { $0.blob == old.blob } })
    }

    /// Looks an object up with one statement that also finds its bucket. A single statement reads one snapshot, so
    /// it needs no transaction: the BEGIN and COMMIT around it cost as much as the lookup itself.
    public func headObject(bucket: String, key: String) async throws -> ObjectRecord {
        let found = try lookup { db -> ObjectRecord? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.lookupSQL), arguments: [Data(key: key), bucket]) else {
                throw S3Errors.noSuchBucket(bucket)
            }
            return row.hasNull(atIndex: 1) ? nil : try record(row)
        }
        guard let found else { throw S3Errors.noSuchKey(key) }
        return found
    }

    /// The object's columns in `objectColumns` order, or NULLs when the bucket holds no such key; no row at all
    /// when there is no bucket.
    static let lookupSQL = "SELECT " + objectColumns.split(separator: ",").map { "o." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        + " FROM buckets b LEFT JOIN objects o ON o.bucket = b.name AND o.key = ? WHERE b.name = ?"

    /// Opens an object's blobs for reading. A blob can vanish between the index read and the open when a
    /// concurrent write replaces the object; the lookup is then simply repeated. With `preloadingSmall` (GET), an
    /// object of up to `ObjectReader.preloadLimit` bytes is read at once.
    public func openObject(bucket: String, key: String, preloadingSmall: Bool = false) async throws -> ObjectReader {
        for _ in 0..<5 {
            let record = try await headObject(bucket: bucket, key: key)
            let opened: ([OpenFile], ByteBuffer?)?
            if preloadingSmall, record.size <= ObjectReader.preloadLimit {
                // Read here, on the request's thread: from the page cache that takes a few microseconds, less than
                // a round trip to the I/O pool.
                opened = try open(record, preload: true)
            } else {
                opened = try await io.run { try self.open(record, preload: false) }
            }
            if let (files, preloaded) = opened { return ObjectReader(record: record, files: files, io: io, preloaded: preloaded) }
        }
        throw S3Errors.internalError("the object kept changing while it was being opened")
    }

    /// Opens the record's blobs, and reads their content with `preload`; nil when one has been unlinked.
    private func open(_ record: ObjectRecord, preload: Bool) throws -> ([OpenFile], ByteBuffer?)? {
        var files: [OpenFile] = []
        for segment in record.segments {
            let path = layout.blobPath(segment.blob)
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == ENOENT { return nil }
                throw POSIXFailure("open \(path)")
            }
            files.append(OpenFile(fd: fd))
        }
        guard preload else { return (files, nil) }
        var buffer = ByteBufferAllocator().buffer(capacity: Int(record.size))
        for (segment, file) in zip(record.segments, files) where segment.size > 0 {
            let size = Int(segment.size)
            try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { pointer in
                try readFully(file.fd, UnsafeMutableRawBufferPointer(rebasing: pointer[0..<size]), at: 0)
                return size
            }
        }
        return (files, buffer)
    }

    /// Deletes an object; deleting a missing key succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) async throws {
        try await deleteObjects(bucket: bucket, keys: [key])
    }

    public func deleteObjects(bucket: String, keys: [String]) async throws {
        let blobs = try write { db -> [Segment] in
            try Self.requireBucket(db, bucket)
            var blobs: [Segment] = []
            for key in keys {
                if let segments = try String.fetchOne(db.cachedStatement(sql: "DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING segments"), arguments: [bucket, Data(key: key)])
                {
                    blobs += try Segment.segments(column: segments)
                }
            }
            return blobs
        }
        removeBlobs(blobs)
    }

    /// Copies an object without copying its bytes: blobs are immutable, so the copy hard-links them. The copy is a
    /// new single-part object, so a multipart source's bytes are read once for the copy's plain MD5 ETag.
    @discardableResult
    public func copyObject(
        _ source: ObjectReader, toBucket bucket: String, key: String, attributes: ObjectAttributes
    ) async throws -> ObjectRecord {
        let names = source.record.segments.map { _ in StoreLayout.newBlobName() }
        let pairs = zip(source.record.segments, names).map { (layout.blobPath($0.blob), layout.blobPath($1)) }
        let multipart = source.record.partsCount != nil
        let md5 = try await io.run { () -> [UInt8]? in
            // Linking by path is safe while `source` holds the blobs open: they are unlinked only after a
            // replacement commits, and then the link fails and the copy is retried by the client.
            for (from, to) in pairs where link(from, to) != 0 {
                throw POSIXFailure("link \(from)")
            }
            return multipart ? try Self.md5(of: source) : nil
        }
        let segments = zip(source.record.segments, names).map { Segment(blob: $1, size: $0.size) }
        let record = ObjectRecord(
            bucket: bucket, key: key, size: source.record.size, etag: md5?.hexString ?? source.record.etag, lastModified: Date(),
            attributes: attributes, checksum: multipart ? nil : source.record.checksum, segments: segments, partsCount: nil)
        do {
            try await commit(record)
        } catch {
            removeBlobs(segments)
            throw error
        }
        return record
    }

    /// The MD5 of an object's bytes, read segment by segment.
    static func md5(of reader: ObjectReader) throws -> [UInt8] {
        var md5 = Insecure.MD5()
        try forEachChunk(of: reader) { md5.update(bufferPointer: $0) }
        return Array(md5.finalize())
    }

    /// Reads an object's bytes in 1 MiB chunks, in order.
    static func forEachChunk(of reader: ObjectReader, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for (segment, file) in zip(reader.record.segments, reader.files) {
            var offset: Int64 = 0
            while offset < segment.size {
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), segment.size - offset))])
                try readFully(file.fd, chunk, at: offset)
                try body(UnsafeRawBufferPointer(chunk))
                offset += Int64(chunk.count)
            }
        }
    }

    /// Decodes a row of `objectColumns`, by position: looking columns up by name costs a search per column.
    func record(_ row: Row) throws -> ObjectRecord {
        let keyData: Data = row[1]
        let checksum: String? = row[6]
        return ObjectRecord(
            bucket: row[0], key: String(decoding: keyData, as: UTF8.self), size: row[2], etag: row[3],
            lastModified: Date(timeIntervalSince1970: row[4]), attributes: try attributeCache.attributes(row[5]),
            checksum: try checksum.map(StoredChecksum.init(column:)), segments: try Segment.segments(column: row[7]),
            partsCount: row[8])
    }
}
