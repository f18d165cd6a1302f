import Foundation
import NIOCore

/// An open file descriptor, closed when the last reference goes: a reader that is dropped mid-stream
/// (a client that hangs up) leaks nothing.
final class OpenFile: Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// An object opened for reading. Its blobs are opened before the first byte is sent, so a concurrent
/// overwrite or delete (which unlinks the old blobs) cannot cut a download short.
public struct ObjectReader: Sendable {
    public let record: ObjectRecord
    let files: [OpenFile]
    let io: BlockingIO
    /// A small object's whole content, read while it was opened: one trip to the I/O pool serves the request.
    public let preloaded: ByteBuffer?

    static let chunkSize = 1 << 20
    /// Objects up to this size are read when they are opened.
    static let preloadLimit: Int64 = 64 * 1024

    /// Streams `range` of the object to `body`, one chunk at a time; the next chunk is read while the
    /// previous one is being sent.
    public func read(
        _ range: ClosedRange<Int64>, allocator: ByteBufferAllocator = ByteBufferAllocator(),
        _ body: (ByteBuffer) async throws -> Void
    ) async throws {
        if let preloaded {
            try await body(preloaded.getSlice(at: Int(range.lowerBound), length: Int(range.upperBound - range.lowerBound + 1))!)
            return
        }
        var pieces: [(file: OpenFile, offset: Int64, length: Int)] = []
        var segmentStart: Int64 = 0
        for (segment, file) in zip(record.segments, files) {
            let segmentEnd = segmentStart + segment.size
            var start = Swift.max(range.lowerBound, segmentStart)
            let end = Swift.min(range.upperBound + 1, segmentEnd)
            while start < end {
                let length = Int(Swift.min(Int64(Self.chunkSize), end - start))
                pieces.append((file, start - segmentStart, length))
                start += Int64(length)
            }
            segmentStart = segmentEnd
        }
        let io = self.io
        func load(_ piece: (file: OpenFile, offset: Int64, length: Int)) async throws -> ByteBuffer {
            try await io.run {
                var buffer = allocator.buffer(capacity: piece.length)
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: piece.length) { pointer in
                    try readFully(piece.file.fd, UnsafeMutableRawBufferPointer(rebasing: pointer[0..<piece.length]), at: piece.offset)
                    return piece.length
                }
                return buffer
            }
        }
        guard !pieces.isEmpty else { return }
        var next: Task<ByteBuffer, Error>? = nil
        var current = try await load(pieces[0])
        for index in pieces.indices {
            if index + 1 < pieces.count {
                let piece = pieces[index + 1]
                next = Task { try await load(piece) }
            }
            try await body(current)
            if let pending = next {
                current = try await pending.value
                next = nil
            }
        }
    }
}
