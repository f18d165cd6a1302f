import Testing
@testable import S3

@Suite struct AddressingTests {
    @Test func pathStyleKeepsEveryByteOfTheKey() throws {
        let address = try #require(S3Address(rawPath: "/bkt/a//b/..%2F%20c%2Bd?uploadId=x&partNumber=2", host: "127.0.0.1:9700", virtualHostDomains: ["localhost"]))
        #expect(address.bucket == "bkt")
        #expect(address.key == "a//b/../ c+d")
        #expect(address.query == ["uploadId": "x", "partNumber": "2"])
    }

    @Test func virtualHostStyleTakesTheBucketFromTheHost() throws {
        let address = try #require(S3Address(rawPath: "/dir/file.txt", host: "my-bucket.localhost:9700", virtualHostDomains: ["localhost"]))
        #expect(address.bucket == "my-bucket")
        #expect(address.key == "dir/file.txt")
        let root = try #require(S3Address(rawPath: "/?list-type=2", host: "my-bucket.localhost", virtualHostDomains: ["localhost"]))
        #expect(root.bucket == "my-bucket" && root.key == nil)
    }

    @Test func presignedParametersAreNotSubresources() throws {
        let address = try #require(S3Address(rawPath: "/b/k?X-Amz-Signature=abc&X-Amz-Date=1&x-id=GetObject", host: nil, virtualHostDomains: []))
        #expect(address.query.isEmpty)
    }

    @Test func serviceAndBucketLevels() throws {
        #expect(try #require(S3Address(rawPath: "/", host: nil, virtualHostDomains: [])).bucket == nil)
        let bucket = try #require(S3Address(rawPath: "/b/", host: nil, virtualHostDomains: []))
        #expect(bucket.bucket == "b" && bucket.key == nil)
    }
}

@Suite struct ByteRangeTests {
    @Test func rangesResolveAgainstTheSize() {
        guard case .partial(let r1) = ByteRange(header: "bytes=0-9", size: 100) else { Issue.record("0-9"); return }
        #expect(r1 == 0...9)
        guard case .partial(let r2) = ByteRange(header: "bytes=90-", size: 100) else { Issue.record("90-"); return }
        #expect(r2 == 90...99)
        guard case .partial(let r3) = ByteRange(header: "bytes=-10", size: 100) else { Issue.record("-10"); return }
        #expect(r3 == 90...99)
        guard case .partial(let r4) = ByteRange(header: "bytes=50-500", size: 100) else { Issue.record("50-500"); return }
        #expect(r4 == 50...99)
    }

    @Test func unsatisfiableAndIgnoredRanges() {
        guard case .unsatisfiable = ByteRange(header: "bytes=100-", size: 100) else { Issue.record("past end"); return }
        guard case .whole = ByteRange(header: "bytes=5-1", size: 100) else { Issue.record("inverted"); return }
        guard case .whole = ByteRange(header: "items=0-1", size: 100) else { Issue.record("unit"); return }
        guard case .whole = ByteRange(header: "bytes=0-1,5-6", size: 100) else { Issue.record("multi"); return }
    }
}

@Suite struct ConditionTests {
    @Test func etagMatchingIgnoresQuotesAndAcceptsLists() {
        #expect(Conditions.matches("\"abc\"", "abc"))
        #expect(Conditions.matches("abc", "abc"))
        #expect(Conditions.matches("\"x\", \"abc\"", "abc"))
        #expect(Conditions.matches("*", "abc"))
        #expect(!Conditions.matches("\"abd\"", "abc"))
    }
}
