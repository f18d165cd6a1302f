import AWSWire
import Crypto
import Foundation

/// Moving whole objects between the store and local files, for training jobs' inputs and artifacts.
extension ObjectStore {
    /// Copies an object into a new file at `path`, never exposing a partial file under that name.
    public func exportObject(bucket: String, key: String, to path: String) async throws {
        let reader = try await openObject(bucket: bucket, key: key)
        let temporary = path + ".sagebox-partial"
        try await io.run {
            let out = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard out >= 0 else { throw POSIXFailure("open \(temporary)") }
            defer { close(out) }
            try Self.forEachChunk(of: reader) { try writeAll(out, $0) }
            if rename(temporary, path) != 0 { throw POSIXFailure("rename \(temporary)") }
        }
    }

    /// Stores the file at `path` as an object, moving it into the store (it must be on the same file system as
    /// the data directory; it is consumed).
    @discardableResult
    public func adoptFile(_ path: String, bucket: String, key: String, contentType: String?) async throws -> ObjectRecord {
        let name = StoreLayout.newBlobName()
        let blobPath = layout.blobPath(name)
        let fsync = self.fsync
        let (size, md5) = try await io.run { () -> (Int64, [UInt8]) in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw POSIXFailure("open \(path)") }
            defer { close(fd) }
            var md5 = Insecure.MD5()
            var size: Int64 = 0
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw POSIXFailure("read \(path)") }
                if n == 0 { break }
                md5.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                size += Int64(n)
            }
            if fsync { _ = fdatasync(fd) }
            if rename(path, blobPath) != 0 { throw POSIXFailure("rename \(path)") }
            return (size, Array(md5.finalize()))
        }
        let record = ObjectRecord(
            bucket: bucket, key: key, size: size, etag: md5.hexString, lastModified: Date(), attributes: ObjectAttributes(contentType: contentType),
            checksum: nil, segments: [Segment(blob: name, size: size)], partsCount: nil)
        do {
            try await commit(record)
        } catch {
            removeBlobs(record.segments)
            throw error
        }
        return record
    }

    /// A folder for files that will be adopted: inside the data directory, so adopting is a rename.
    public var stagingDirectory: String { layout.temporary }

    /// Every object under `prefix`, in key order.
    public func listAll(bucket: String, prefix: String) async throws -> [ObjectSummary] {
        var all: [ObjectSummary] = []
        var after: String? = nil
        while true {
            let page = try await list(bucket: bucket, ListQuery(prefix: prefix, after: after, maxKeys: 1000))
            all += page.objects
            guard page.isTruncated, let last = page.last else { return all }
            after = last
        }
    }
}
