import Checkpoints
import Foundation
import Logging
import ObjectStore
import Testing

@Suite struct CheckpointSyncTests {
    @Test func mirrorsNewChangedAndDeletedFiles() async throws {
        let root = NSTemporaryDirectory() + "sagebox-ck-" + UUID().uuidString
        let store = try ObjectStore(dataDirectory: root + "/data", fsync: false, logger: Logger(label: "test"))
        try await store.createBucket("ckpt", region: nil)
        let folder = root + "/checkpoints"
        let sync = try CheckpointSync(folder: folder, s3Uri: "s3://ckpt/run", objects: store, interval: .milliseconds(50))
        try await sync.restore()
        await sync.start()
        try Data("one".utf8).write(to: URL(fileURLWithPath: folder + "/a.pt"))
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data("two".utf8).write(to: URL(fileURLWithPath: folder + "/sub/b.pt"))
        try await waitFor { (try? await store.listAll(bucket: "ckpt", prefix: "run/").count) == 2 }
        try FileManager.default.removeItem(atPath: folder + "/a.pt")
        try Data("two, changed".utf8).write(to: URL(fileURLWithPath: folder + "/sub/b.pt"))
        try await waitFor { (try? await store.listAll(bucket: "ckpt", prefix: "run/").map(\.key)) == ["run/sub/b.pt"] }
        try await waitFor { (try? await store.headObject(bucket: "ckpt", key: "run/sub/b.pt").size) == 12 }
        // A file written after the last scan still reaches S3: the final sync does not wait for stability.
        try Data("late".utf8).write(to: URL(fileURLWithPath: folder + "/late.pt"))
        await sync.finish()
        #expect(try await store.listAll(bucket: "ckpt", prefix: "run/").map(\.key) == ["run/late.pt", "run/sub/b.pt"])

        // A new attempt restores what S3 holds.
        let fresh = root + "/restored"
        try await CheckpointSync(folder: fresh, s3Uri: "s3://ckpt/run", objects: store).restore()
        #expect(FileManager.default.contents(atPath: fresh + "/sub/b.pt") == Data("two, changed".utf8))
    }

    private func waitFor(_ condition: () async -> Bool) async throws {
        for _ in 0..<100 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met within 5 s")
    }
}
