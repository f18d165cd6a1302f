import AWSWire
import Crypto
import Foundation
import NIOCore

/// What a finished blob holds: its size and the digests computed while it streamed in.
public struct WrittenBlob: Sendable {
    public let name: String
    public let size: Int64
    public let md5: [UInt8]
    /// The flexible checksum computed while the body streamed, and its algorithm.
    public let checksumAlgorithm: ChecksumAlgorithm?
    public let checksum: String?
    public let sha256Hex: String?

    public var md5Hex: String { md5.hexString }
}

/// Streams a body into a temporary file, hashing as it goes, so no body is ever held whole in memory; `finish`
/// fsyncs it and renames it into the blob area, where it stays invisible until an index row references it.
///
/// One request task owns a writer and awaits each call in turn, which is what makes the unchecked
/// `Sendable` sound: the mutable state is never touched by two threads at once.
public final class BlobWriter: @unchecked Sendable {
    static let stagingCapacity = 1 << 20

    public let name: String
    private let path: String
    private let blobPath: String
    private let io: BlockingIO
    private let fsync: Bool
    private var fd: Int32 = -1
    private var staging: ByteBuffer
    private var md5 = Insecure.MD5()
    private var checksum: ChecksumHasher?
    private var sha256: SHA256?
    private var size: Int64 = 0
    private var done = false

    init(layout: StoreLayout, io: BlockingIO, fsync: Bool, checksum: ChecksumAlgorithm?, computeSHA256: Bool) {
        name = StoreLayout.newBlobName()
        path = layout.temporaryPath(name)
        blobPath = layout.blobPath(name)
        self.io = io
        self.fsync = fsync
        self.checksum = checksum.map(ChecksumHasher.init)
        sha256 = computeSHA256 ? SHA256() : nil
        staging = ByteBufferAllocator().buffer(capacity: 0)
    }

    deinit {
        if !done {
            if fd >= 0 { close(fd) }
            unlink(path)
        }
    }

    public func write(_ buffer: ByteBuffer) async throws {
        size += Int64(buffer.readableBytes)
        if staging.capacity == 0 {
            staging.reserveCapacity(Swift.min(Self.stagingCapacity, Swift.max(buffer.readableBytes, 64 * 1024)))
        }
        staging.writeImmutableBuffer(buffer)
        if staging.readableBytes >= Self.stagingCapacity {
            try await flush(finishing: false)
        }
    }

    /// Flushes, fsyncs, closes and installs the blob under its name.
    public func finish() async throws -> WrittenBlob {
        try await flush(finishing: true)
        done = true
        return WrittenBlob(
            name: name, size: size, md5: Array(md5.finalize()), checksumAlgorithm: checksum?.algorithm, checksum: checksum?.finalize(),
            sha256Hex: sha256.map { Array($0.finalize()).hexString })
    }

    /// Removes the file, wherever it got to; used when the body is refused.
    public func discard() async {
        done = true
        let (fd, path, blobPath) = (self.fd, self.path, self.blobPath)
        self.fd = -1
        _ = try? await io.run {
            if fd >= 0 { close(fd) }
            unlink(path)
            unlink(blobPath)
        }
    }

    /// Hashes and writes the staged bytes in one trip to the I/O pool (opening the file on the first trip),
    /// so a small object costs a single hop.
    private func flush(finishing: Bool) async throws {
        let chunk = staging
        staging.clear()
        let (path, blobPath, fsync) = (self.path, self.blobPath, self.fsync)
        try await io.run { [self] in
            chunk.withUnsafeReadableBytes { bytes in
                md5.update(bufferPointer: bytes)
                checksum?.update(bytes)
                sha256?.update(bufferPointer: bytes)
            }
            if fd < 0 {
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw POSIXFailure("open \(path)") }
            }
            try chunk.withUnsafeReadableBytes { try writeAll(fd, $0) }
            if finishing {
                // fdatasync makes the bytes and the size durable, all a reader needs, without flushing timestamps.
                if fsync, fdatasync(fd) != 0 { throw POSIXFailure("fdatasync \(path)") }
                close(fd)
                fd = -1
                if rename(path, blobPath) != 0 { throw POSIXFailure("rename \(path)") }
            }
        }
    }
}
