import AWSWire
import Crypto
import Foundation
import GRDB

extension ObjectStore {
    public func createMultipartUpload(
        bucket: String, key: String, attributes: ObjectAttributes, checksumAlgorithm: ChecksumAlgorithm?
    ) async throws -> MultipartUpload {
        let upload = MultipartUpload(
            uploadId: Self.newUploadId(), bucket: bucket, key: key, initiated: Date(), attributes: attributes,
            checksumAlgorithm: checksumAlgorithm?.rawValue)
        try write { db in
            try Self.requireBucket(db, bucket)
            try db.cachedStatement(sql: "INSERT INTO uploads (upload_id, bucket, key, initiated, attributes, checksum_algorithm) VALUES (?, ?, ?, ?, ?, ?)").execute(arguments: [
                    upload.uploadId, bucket, Data(key: key), upload.initiated.timeIntervalSince1970, attributes.json, upload.checksumAlgorithm,
                ])
        }
        return upload
    }

    /// The upload `uploadId` of `bucket`/`key`, or `NoSuchUpload`.
    public func upload(_ uploadId: String, bucket: String, key: String) async throws -> MultipartUpload {
        let upload = try read { db in try Self.fetchUpload(db, uploadId) }
        guard let upload, upload.bucket == bucket, upload.key == key else { throw S3Errors.noSuchUpload(uploadId) }
        return upload
    }

    /// Records a part; a part uploaded again replaces the earlier one (the last to finish wins).
    public func putPart(uploadId: String, partNumber: Int, blob: WrittenBlob, checksum: String?) async throws -> Part {
        let part = Part(partNumber: partNumber, size: blob.size, etag: blob.md5Hex, lastModified: Date(), checksum: checksum, blob: blob.name)
        let blobSegment = Segment(blob: blob.name, size: blob.size)
        let replaced: [Segment]
        do {
            replaced = try write { db -> [Segment] in
                guard try Self.fetchUpload(db, uploadId) != nil else { throw S3Errors.noSuchUpload(uploadId) }
                let old = try Self.partBlobs(db, where: "upload_id = ? AND part_number = ?", [uploadId, partNumber])
                try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, last_modified, checksum, blob)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [uploadId, partNumber, part.size, part.etag, part.lastModified.timeIntervalSince1970, checksum, blob.name])
                return old
            }
        } catch {
            removeBlobs([blobSegment])
            throw error
        }
        removeBlobs(replaced)
        return part
    }

    public func listParts(uploadId: String, after marker: Int, maxParts: Int) async throws -> (parts: [Part], truncated: Bool) {
        let parts = try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT part_number, size, etag, last_modified, checksum, blob FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
                arguments: [uploadId, marker, maxParts + 1]
            ).map(Self.part)
        }
        return (Array(parts.prefix(maxParts)), parts.count > maxParts)
    }

    public func abortUpload(uploadId: String, bucket: String, key: String) async throws {
        let blobs = try write { db -> [Segment] in
            guard let upload = try Self.fetchUpload(db, uploadId), upload.bucket == bucket, upload.key == key else {
                throw S3Errors.noSuchUpload(uploadId)
            }
            let blobs = try Self.partBlobs(db, where: "upload_id = ?", [uploadId])
            try db.cachedStatement(sql: "DELETE FROM parts WHERE upload_id = ?").execute(arguments: [uploadId])
            try db.cachedStatement(sql: "DELETE FROM uploads WHERE upload_id = ?").execute(arguments: [uploadId])
            return blobs
        }
        removeBlobs(blobs)
    }

    /// Assembles the listed parts into the object without copying a byte: the part blobs become its segments,
    /// so a 1 GiB object completes as fast as a small one. Completing again returns the same result while the
    /// object is still the one this upload made, since clients retry Complete.
    public func completeUpload(uploadId: String, bucket: String, key: String, parts requested: [(number: Int, etag: String)]) async throws
        -> ObjectRecord
    {
        guard let upload = try? await upload(uploadId, bucket: bucket, key: key) else {
            return try await completedEarlier(uploadId: uploadId, bucket: bucket, key: key)
        }
        for (previous, next) in zip(requested, requested.dropFirst()) where next.number <= previous.number {
            throw S3Errors.invalidPartOrder
        }
        let stored = try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT part_number, size, etag, last_modified, checksum, blob FROM parts WHERE upload_id = ?"), arguments: [uploadId]
            ).map(Self.part)
        }
        let byNumber = Dictionary(stored.map { ($0.partNumber, $0) }, uniquingKeysWith: { a, _ in a })
        var chosen: [Part] = []
        for request in requested {
            guard let part = byNumber[request.number], part.etag == Self.unquote(request.etag) else {
                throw S3Errors.invalidPart(request.number)
            }
            chosen.append(part)
        }
        for part in chosen.dropLast() where part.size < Self.minimumPartSize {
            throw S3Errors.entityTooSmall(size: part.size)
        }
        var md5 = Insecure.MD5()
        for part in chosen { md5.update(data: Hex.bytes(part.etag) ?? []) }
        let etag = Array(md5.finalize()).hexString + "-\(chosen.count)"
        let record = ObjectRecord(
            bucket: bucket, key: key, size: chosen.reduce(0) { $0 + $1.size }, etag: etag, lastModified: Date(),
            attributes: upload.attributes, checksum: Self.compositeChecksum(upload.checksumAlgorithm, chosen),
            segments: chosen.map { Segment(blob: $0.blob, size: $0.size) }, partsCount: chosen.count)
        let used = chosen.map(\.blob)
        do {
            try await commit(record) { db in
                guard try Self.fetchUpload(db, uploadId) != nil else { throw S3Errors.noSuchUpload(uploadId) }
                // A part uploaded again since the parts were read has replaced its blob, which that upload then
                // deletes; start over from the current parts rather than point the object at it.
                let current = try Self.partBlobs(db, where: "upload_id = ?", [uploadId])
                let currentBlobs = Set(current.map(\.blob))
                guard used.allSatisfy(currentBlobs.contains) else { throw PartsChanged() }
                try db.cachedStatement(sql: "DELETE FROM parts WHERE upload_id = ?").execute(arguments: [uploadId])
                try db.cachedStatement(sql: "DELETE FROM uploads WHERE upload_id = ?").execute(arguments: [uploadId])
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, etag) VALUES (?, ?, ?, ?)").execute(arguments: [uploadId, bucket, Data(key: key), etag])
                return current
            }
        } catch let error as AWSError where error.code == "NoSuchUpload" {
            // A concurrent Complete of the same upload won the race.
            return try await completedEarlier(uploadId: uploadId, bucket: bucket, key: key)
        } catch is PartsChanged {
            return try await completeUpload(uploadId: uploadId, bucket: bucket, key: key, parts: requested)
        }
        return record
    }

    private struct PartsChanged: Error {}

    private func completedEarlier(uploadId: String, bucket: String, key: String) async throws -> ObjectRecord {
        let etag = try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT etag FROM completed_uploads WHERE upload_id = ? AND bucket = ? AND key = ?"),
                arguments: [uploadId, bucket, Data(key: key)])
        }
        guard let etag, let current = try? await headObject(bucket: bucket, key: key), current.etag == etag else {
            throw S3Errors.noSuchUpload(uploadId)
        }
        return current
    }

    /// Uploads under `prefix` after the markers; with a delimiter, keys are rolled up into common prefixes that
    /// count against `maxUploads` as in object listings.
    public func listUploads(
        bucket: String, prefix: String, delimiter: String?, keyMarker: String?, uploadIdMarker: String?, maxUploads: Int
    ) async throws -> (uploads: [MultipartUpload], commonPrefixes: [String], truncated: Bool) {
        let uploads = try read { db in
            try Self.requireBucket(db, bucket)
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM uploads WHERE bucket = ? AND substr(key, 1, ?) = ? ORDER BY key, initiated"),
                arguments: [bucket, prefix.utf8.count, Data(key: prefix)]
            ).map(Self.upload)
        }
        let after = uploads.filter { upload in
            guard let keyMarker else { return true }
            if upload.key == keyMarker, let uploadIdMarker { return upload.uploadId > uploadIdMarker }
            return Array(keyMarker.utf8).lexicographicallyPrecedes(Array(upload.key.utf8))
        }
        var uploadsPage: [MultipartUpload] = []
        var prefixes: [String] = []
        for upload in after {
            if let delimiter, !delimiter.isEmpty, let end = upload.key.dropFirst(prefix.count).range(of: delimiter)?.upperBound {
                let common = String(upload.key[..<end])
                if prefixes.last == common { continue }
                if uploadsPage.count + prefixes.count == maxUploads { return (uploadsPage, prefixes, true) }
                prefixes.append(common)
                continue
            }
            if uploadsPage.count + prefixes.count == maxUploads { return (uploadsPage, prefixes, true) }
            uploadsPage.append(upload)
        }
        return (uploadsPage, prefixes, false)
    }

    private static func compositeChecksum(_ algorithm: String?, _ parts: [Part]) -> StoredChecksum? {
        guard let algorithm, let kind = ChecksumAlgorithm(rawValue: algorithm) else { return nil }
        var hasher = ChecksumHasher(kind)
        for part in parts {
            guard let text = part.checksum, let bytes = Data(base64Encoded: text) else { return nil }
            bytes.withUnsafeBytes { hasher.update($0) }
        }
        return StoredChecksum(algorithm: kind, value: hasher.finalize() + "-\(parts.count)", type: .composite)
    }

    static func fetchUpload(_ db: Database, _ uploadId: String) throws -> MultipartUpload? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM uploads WHERE upload_id = ?"), arguments: [uploadId]).map(upload)
    }

    static func upload(_ row: Row) throws -> MultipartUpload {
        let key: Data = row["key"]
        return MultipartUpload(
            uploadId: row["upload_id"], bucket: row["bucket"], key: String(decoding: key, as: UTF8.self),
            initiated: Date(timeIntervalSince1970: row["initiated"]), attributes: try ObjectAttributes(json: row["attributes"]),
            checksumAlgorithm: row["checksum_algorithm"])
    }

    static func part(_ row: Row) -> Part {
        Part(
            partNumber: row[0], size: row[1], etag: row[2], lastModified: Date(timeIntervalSince1970: row[3]), checksum: row[4],
            blob: row[5])
    }

    static func newUploadId() -> String {
        (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// The blobs of the parts matching `condition`.
    static func partBlobs(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [Segment] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT blob, size FROM parts WHERE " + condition), arguments: arguments).map {
            Segment(blob: $0[0], size: $0[1])
        }
    }

    static func unquote(_ etag: String) -> String {
        etag.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }
}
