import Testing
@testable import AWSWire

@Suite struct S3LocationTests {
    @Test func bucketAndKeyAreSplitAtTheFirstSlash() {
        #expect(S3Location("s3://bucket/a/b/") == S3Location(bucket: "bucket", key: "a/b/"))
        #expect(S3Location("s3://bucket") == S3Location(bucket: "bucket", key: ""))
        #expect(S3Location("s3://bucket/") == S3Location(bucket: "bucket", key: ""))
        #expect(S3Location("s3://bucket/x")?.folderPrefix == "x/")
        #expect(S3Location("s3://bucket/")?.folderPrefix == "")
    }

    @Test func anythingElseIsNotAnS3URL() {
        #expect(S3Location("s3://") == nil)
        #expect(S3Location("s3:///key") == nil)
        #expect(S3Location("https://bucket/key") == nil)
        #expect(S3Location("/opt/ml/code") == nil)
    }
}
