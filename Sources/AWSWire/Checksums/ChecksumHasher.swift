import CZlib
import Crypto
import Foundation
import NIOCore

/// Incremental checksum over any `ChecksumAlgorithm`.
///
/// The state is an enum rather than an existential so `update` is a direct switch on the hot path.
/// `@unchecked Sendable` because swift-crypto's digest structs do not declare `Sendable`, although
/// they are copy-on-write values and therefore safe to hand between tasks.
public struct ChecksumHasher: @unchecked Sendable {
    private enum State {
        case crc32(UInt32)
        case crc32c(UInt32)
        case crc64nvme(UInt64)
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
    }

    public let algorithm: ChecksumAlgorithm
    private var state: State

    public init(_ algorithm: ChecksumAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .crc32: state = .crc32(0)
        case .crc32c: state = .crc32c(0)
        case .crc64nvme: state = .crc64nvme(0)
        case .sha1: state = .sha1(Insecure.SHA1())
        case .sha256: state = .sha256(SHA256())
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .crc32(let crc):
            state = .crc32(Self.zlibCRC32(crc, bytes))
        case .crc32c(let crc):
            state = .crc32c(CRC32C.update(crc, bytes))
        case .crc64nvme(let crc):
            state = .crc64nvme(CRC64NVME.update(crc, bytes))
        case .sha1(var hasher):
            // Drop the enum's reference first so the digest context stays uniquely referenced;
            // otherwise swift-crypto's copy-on-write would clone it on every update.
            state = .crc32(0)
            hasher.update(bufferPointer: bytes)
            state = .sha1(hasher)
        case .sha256(var hasher):
            state = .crc32(0)
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        }
    }

    public mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { update($0) }
    }

    /// Base64 of the big-endian digest: the exact form of `x-amz-checksum-*` headers and trailers.
    public func finalize() -> String {
        Data(finalizeBytes()).base64EncodedString()
    }

    public func finalizeBytes() -> [UInt8] {
        switch state {
        case .crc32(let crc), .crc32c(let crc):
            return Self.bigEndianBytes(crc)
        case .crc64nvme(let crc):
            return Self.bigEndianBytes(crc)
        case .sha1(let hasher):
            return Array(hasher.finalize())
        case .sha256(let hasher):
            return Array(hasher.finalize())
        }
    }

    private static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    private static func zlibCRC32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        let result = crc32_z(UInt(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count)
        return UInt32(truncatingIfNeeded: result)
    }
}
