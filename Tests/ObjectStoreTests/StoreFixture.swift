import Foundation
import Logging
import NIOCore
@testable import ObjectStore

/// A store in a fresh temporary directory.
struct StoreFixture {
    let directory: String
    let store: ObjectStore

    init() throws {
        directory = NSTemporaryDirectory() + "sagebox-store-" + UUID().uuidString
        store = try ObjectStore(dataDirectory: directory, fsync: false, logger: Logger(label: "test"))
    }

    func reopen() async throws -> ObjectStore {
        try await store.shutdown()
        return try ObjectStore(dataDirectory: directory, fsync: false, logger: Logger(label: "test"))
    }

    func blob(_ bytes: [UInt8], in store: ObjectStore? = nil) async throws -> WrittenBlob {
        let writer = (store ?? self.store).makeWriter()
        // Several writes, as a streamed body arrives.
        for chunk in stride(from: 0, to: bytes.count, by: 7) {
            try await writer.write(ByteBuffer(bytes: bytes[chunk..<min(chunk + 7, bytes.count)]))
        }
        return try await writer.finish()
    }

    @discardableResult
    func put(_ bucket: String, _ key: String, _ text: String, in store: ObjectStore? = nil) async throws -> ObjectRecord {
        try await (store ?? self.store).putObject(
            bucket: bucket, key: key, blob: try await blob(Array(text.utf8), in: store), attributes: ObjectAttributes(), checksum: nil)
    }

    func read(_ bucket: String, _ key: String, in store: ObjectStore? = nil) async throws -> String {
        let reader = try await (store ?? self.store).openObject(bucket: bucket, key: key)
        return try await Self.read(reader)
    }

    static func read(_ reader: ObjectReader) async throws -> String {
        var bytes: [UInt8] = []
        if reader.record.size > 0 {
            try await reader.read(0...(reader.record.size - 1)) { bytes += Array($0.readableBytesView) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The number of blob files once it reaches `expected`, or after two seconds whatever it is then: replaced
    /// blobs are unlinked on the I/O pool after the write that replaced them has answered.
    func blobCount(settlingTo expected: Int) async throws -> Int {
        for _ in 0..<200 {
            let count = files(under: "blobs").count
            if count == expected { return count }
            try await Task.sleep(for: .milliseconds(10))
        }
        return files(under: "blobs").count
    }

    func files(under folder: String) -> [String] {
        let root = store.layout.root + "/" + folder
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        return files
    }
}
