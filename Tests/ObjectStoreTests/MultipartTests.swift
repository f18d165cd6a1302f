import AWSWire
import Crypto
import Foundation
import Testing
@testable import ObjectStore

@Suite struct MultipartTests {
    let partSize = Int(ObjectStore.minimumPartSize)

    @Test func completeJoinsPartsWithoutCopyingAndIsIdempotent() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("mpu", region: nil)
        let upload = try await f.store.createMultipartUpload(bucket: "mpu", key: "big", attributes: ObjectAttributes(), checksumAlgorithm: nil)
        let first = [UInt8](repeating: 1, count: partSize)
        let second = Array("tail".utf8)
        // Out of order, and part 1 uploaded twice: the last one wins.
        let p2 = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 2, blob: try await f.blob(second), checksum: nil)
        _ = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 1, blob: try await f.blob([0, 0, 0]), checksum: nil)
        let p1 = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 1, blob: try await f.blob(first), checksum: nil)
        let parts = [(number: 1, etag: "\"\(p1.etag)\""), (number: 2, etag: p2.etag)]
        let record = try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "mpu", key: "big", parts: parts)
        let expected = Array(Insecure.MD5.hash(data: Array(Insecure.MD5.hash(data: first)) + Array(Insecure.MD5.hash(data: second)))).hexString
        #expect(record.etag == expected + "-2")
        #expect(record.size == Int64(first.count + second.count))
        let again = try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "mpu", key: "big", parts: parts)
        #expect(again.etag == record.etag)
        let reader = try await f.store.openObject(bucket: "mpu", key: "big")
        var tail: [UInt8] = []
        try await reader.read(Int64(partSize - 2)...(record.size - 1)) { tail += Array($0.readableBytesView) }
        #expect(tail == [1, 1] + second)
        #expect(try await f.blobCount(settlingTo: 2) == 2)
    }

    @Test func partsLeftOutOfCompleteAreDeleted() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("mpu", region: nil)
        let upload = try await f.store.createMultipartUpload(bucket: "mpu", key: "k", attributes: ObjectAttributes(), checksumAlgorithm: nil)
        let p1 = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 1, blob: try await f.blob([UInt8](repeating: 7, count: partSize)), checksum: nil)
        _ = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 2, blob: try await f.blob([2]), checksum: nil)
        let p3 = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 3, blob: try await f.blob([3]), checksum: nil)
        let record = try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "mpu", key: "k", parts: [(1, p1.etag), (3, p3.etag)])
        #expect(record.size == Int64(partSize + 1))
        #expect(try await f.blobCount(settlingTo: 2) == 2)
    }

    @Test func completeRejectsBadPartLists() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("bad", region: nil)
        let upload = try await f.store.createMultipartUpload(bucket: "bad", key: "k", attributes: ObjectAttributes(), checksumAlgorithm: nil)
        let small = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 1, blob: try await f.blob([1]), checksum: nil)
        let other = try await f.store.putPart(uploadId: upload.uploadId, partNumber: 2, blob: try await f.blob([2]), checksum: nil)
        await #expect(throws: S3Errors.entityTooSmall(size: 1)) {
            try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "bad", key: "k", parts: [(1, small.etag), (2, other.etag)])
        }
        await #expect(throws: S3Errors.invalidPartOrder) {
            try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "bad", key: "k", parts: [(2, other.etag), (1, small.etag)])
        }
        await #expect(throws: S3Errors.invalidPart(1)) {
            try await f.store.completeUpload(uploadId: upload.uploadId, bucket: "bad", key: "k", parts: [(1, other.etag)])
        }
        await #expect(throws: S3Errors.noSuchUpload("nope")) {
            try await f.store.completeUpload(uploadId: "nope", bucket: "bad", key: "k", parts: [(1, small.etag)])
        }
        try await f.store.abortUpload(uploadId: upload.uploadId, bucket: "bad", key: "k")
        #expect(try await f.blobCount(settlingTo: 0) == 0)
    }
}
