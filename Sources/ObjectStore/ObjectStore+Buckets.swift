import AWSWire
import Foundation
import GRDB

extension ObjectStore {
    /// S3's naming rules for new buckets.
    public static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        let allowed = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
        guard allowed, isAlphanumeric(bytes.first!), isAlphanumeric(bytes.last!) else { return false }
        guard !name.contains(".."), !name.contains(".-"), !name.contains("-.") else { return false }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return false }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) { return false }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] where name.hasSuffix(suffix) { return false }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// The regions a bucket can be created in; anything else is `InvalidLocationConstraint`.
    public static let regions: Set<String> = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1",
        "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2",
        "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1",
        "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "EU",
    ]

    public func listBuckets() async throws -> [Bucket] {
        buckets.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    public func bucket(_ name: String) async throws -> Bucket {
        guard let bucket = buckets.withLock({ $0[name] }) else { throw S3Errors.noSuchBucket(name) }
        return bucket
    }

    public func requireBucket(_ name: String) async throws {
        _ = try await bucket(name)
    }

    static func bucketExists(_ db: Database, _ name: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM buckets WHERE name = ?"), arguments: [name]) != nil
    }

    /// Every object operation checks its bucket inside the same transaction as its own reads and writes.
    static func requireBucket(_ db: Database, _ name: String) throws {
        guard try bucketExists(db, name) else { throw S3Errors.noSuchBucket(name) }
    }

    /// Creates a bucket. As in S3, creating one you already own again succeeds in us-east-1 and is
    /// `BucketAlreadyOwnedByYou` elsewhere.
    public func createBucket(_ name: String, region: String?) async throws {
        guard Self.isValidBucketName(name) else { throw S3Errors.invalidBucketName(name) }
        let region = region ?? defaultRegion
        guard Self.regions.contains(region) || region == defaultRegion else { throw S3Errors.invalidLocationConstraint(region) }
        // The date as the index stores it, so it reads the same after a restart.
        let bucket = Bucket(name: name, region: region, creationDate: Date(timeIntervalSince1970: Date().timeIntervalSince1970))
        let created = try write { db -> Bool in
            if try Self.bucketExists(db, name) { return false }
            try db.cachedStatement(sql: "INSERT INTO buckets (name, region, created) VALUES (?, ?, ?)").execute(arguments: [
                name, region, bucket.creationDate.timeIntervalSince1970,
            ])
            // Runs on the writer, in commit order, once the row is committed.
            db.afterNextTransaction { _ in self.buckets.withLock { $0[name] = bucket } }
            return true
        }
        if !created && region != "us-east-1" { throw S3Errors.bucketAlreadyOwnedByYou(name) }
    }

    public func deleteBucket(_ name: String) async throws {
        let blobs = try write { db -> [Segment] in
            try Self.requireBucket(db, name)
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1"), arguments: [name]) != nil {
                throw S3Errors.bucketNotEmpty(name)
            }
            // Unfinished multipart uploads go with the bucket, as in S3.
            let blobs = try Self.partBlobs(db, where: "upload_id IN (SELECT upload_id FROM uploads WHERE bucket = ?)", [name])
            try db.cachedStatement(sql: "DELETE FROM parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE bucket = ?)").execute(arguments: [name])
            try db.cachedStatement(sql: "DELETE FROM uploads WHERE bucket = ?").execute(arguments: [name])
            try db.cachedStatement(sql: "DELETE FROM completed_uploads WHERE bucket = ?").execute(arguments: [name])
            try db.cachedStatement(sql: "DELETE FROM buckets WHERE name = ?").execute(arguments: [name])
            db.afterNextTransaction { _ in _ = self.buckets.withLock { $0.removeValue(forKey: name) } }
            return blobs
        }
        removeBlobs(blobs)
    }
}
