import Foundation
import Testing
@testable import ObjectStore

@Suite struct AtomicityTests {
    @Test func aReaderKeepsTheVersionItOpened() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("atomic", region: nil)
        try await f.put("atomic", "k", "old version")
        let reader = try await f.store.openObject(bucket: "atomic", key: "k")
        try await f.put("atomic", "k", "new")
        #expect(try await StoreFixture.read(reader) == "old version")
        #expect(try await f.read("atomic", "k") == "new")
        // The replaced blob is gone: only the new one remains.
        #expect(try await f.blobCount(settlingTo: 1) == 1)
    }

    @Test func concurrentWritersLeaveOneWholeVersion() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("race", region: nil)
        let bodies = (0..<16).map { String(repeating: Character(String($0 % 10)), count: 1000 + $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for body in bodies { group.addTask { try await f.put("race", "k", body) } }
            try await group.waitForAll()
        }
        let final = try await f.read("race", "k")
        #expect(bodies.contains(final))
        #expect(try await f.blobCount(settlingTo: 1) == 1)
    }

    @Test func restartSweepsTemporaryFilesAndOrphanBlobs() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("crash", region: nil)
        try await f.put("crash", "kept", "kept")
        // What a crash leaves: a half-written upload and a blob renamed in but never committed.
        FileManager.default.createFile(atPath: f.store.layout.temporaryPath("partial"), contents: Data("half".utf8))
        let orphan = "ab" + UUID().uuidString.lowercased()
        FileManager.default.createFile(atPath: f.store.layout.blobPath(orphan), contents: Data("orphan".utf8))
        let reopened = try await f.reopen()
        #expect(f.files(under: "tmp").isEmpty)
        #expect(f.files(under: "blobs").count == 1)
        #expect(try await f.read("crash", "kept", in: reopened) == "kept")
    }

    @Test func copiesShareNoStateWithTheirSource() async throws {
        let f = try StoreFixture()
        try await f.store.createBucket("copy", region: nil)
        try await f.put("copy", "src", "payload")
        let source = try await f.store.openObject(bucket: "copy", key: "src")
        try await f.store.copyObject(source, toBucket: "copy", key: "dst", attributes: ObjectAttributes(metadata: ["a": "b"]))
        try await f.store.deleteObject(bucket: "copy", key: "src")
        #expect(try await f.read("copy", "dst") == "payload")
        #expect(try await f.store.headObject(bucket: "copy", key: "dst").attributes.metadata == ["a": "b"])
    }
}
