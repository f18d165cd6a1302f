import Testing
@testable import ObjectStore

@Suite struct ListingTests {
    @Test func keysAreNotPathsAndListInByteOrder() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("keys", region: nil)
        for key in ["a0", "a/b", "a/", "a", "a-", "zé", "z"] { try await f.put("keys", key, key) }
        let page = try await f.store.list(bucket: "keys", ListQuery())
        #expect(page.objects.map(\.key) == ["a", "a-", "a/", "a/b", "a0", "z", "zé"])
        #expect(try await f.read("keys", "a/") == "a/")
        #expect(try await f.read("keys", "a") == "a")
    }

    @Test func delimiterRollsUpAndMaxKeysCountsPrefixes() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("roll", region: nil)
        for key in ["d1/x", "d1/y", "d2/x", "e", "f.txt", "g"] { try await f.put("roll", key, "v") }
        let first = try await f.store.list(bucket: "roll", ListQuery(delimiter: "/", maxKeys: 2))
        #expect(first.commonPrefixes == ["d1/", "d2/"])
        #expect(first.objects.isEmpty)
        #expect(first.isTruncated)
        let second = try await f.store.list(bucket: "roll", ListQuery(delimiter: "/", after: first.last, maxKeys: 2))
        #expect(second.objects.map(\.key) == ["e", "f.txt"])
        #expect(second.commonPrefixes.isEmpty)
        #expect(second.isTruncated)
        let dotted = try await f.store.list(bucket: "roll", ListQuery(delimiter: ".", maxKeys: 10))
        #expect(dotted.commonPrefixes == ["f."])
        #expect(!dotted.isTruncated)
    }

    @Test func markerMayNameADeletedKey() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("marker", region: nil)
        for i in 0..<5 { try await f.put("marker", "k\(i)", "v") }
        let page = try await f.store.list(bucket: "marker", ListQuery(maxKeys: 2))
        try await f.store.deleteObjects(bucket: "marker", keys: page.objects.map(\.key))
        let next = try await f.store.list(bucket: "marker", ListQuery(after: page.last, maxKeys: 2))
        #expect(next.objects.map(\.key) == ["k2", "k3"])
    }

    @Test func prefixBoundsTheScan() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("prefix", region: nil)
        for key in ["ab", "abc", "abd/e", "ac", "b"] { try await f.put("prefix", key, "v") }
        let page = try await f.store.list(bucket: "prefix", ListQuery(prefix: "ab", delimiter: "/"))
        #expect(page.objects.map(\.key) == ["ab", "abc"])
        #expect(page.commonPrefixes == ["abd/"])
        let empty = try await f.store.list(bucket: "prefix", ListQuery(maxKeys: 0))
        #expect(empty.objects.isEmpty && !empty.isTruncated)
    }
}
