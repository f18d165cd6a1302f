import Testing
@testable import ObjectStore

@Suite struct BucketTests {
    @Test(arguments: ["abc", "my-bucket.data", "a1b2c3", String(repeating: "a", count: 63)])
    func validNames(_ name: String) {
        #expect(ObjectStore.isValidBucketName(name))
    }

    @Test(arguments: ["ab", "ABC", "my_bucket", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "abc-s3alias", String(repeating: "a", count: 64)])
    func invalidNames(_ name: String) {
        #expect(!ObjectStore.isValidBucketName(name))
    }

    @Test func bucketLifecycle() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("life", region: "eu-west-1")
        #expect(try await f.store.bucket("life").region == "eu-west-1")
        await #expect(throws: S3Errors.bucketAlreadyOwnedByYou("life")) { try await f.store.createBucket("life", region: "eu-west-1") }
        try await f.store.createBucket("east", region: "us-east-1")
        try await f.store.createBucket("east", region: "us-east-1")
        try await f.put("life", "k", "v")
        await #expect(throws: S3Errors.bucketNotEmpty("life")) { try await f.store.deleteBucket("life") }
        try await f.store.deleteObject(bucket: "life", key: "k")
        try await f.store.deleteBucket("life")
        await #expect(throws: S3Errors.noSuchBucket("life")) { try await f.store.bucket("life") }
    }

    @Test func bucketsSurviveARestartAndADeletedOneTakesNoWrites() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("kept", region: "eu-west-1")
        try await f.store.createBucket("gone", region: nil)
        try await f.store.deleteBucket("gone")
        await #expect(throws: S3Errors.noSuchBucket("gone")) { try await f.put("gone", "k", "v") }
        let reopened = try await f.reopen()
        #expect(try await reopened.listBuckets().map(\.name) == ["kept"])
        #expect(try await reopened.bucket("kept").region == "eu-west-1")
        await #expect(throws: S3Errors.noSuchBucket("gone")) { try await reopened.bucket("gone") }
    }
}
