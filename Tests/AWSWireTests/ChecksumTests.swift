import Foundation
import NIOCore
import Testing

@testable import AWSWire

@Suite struct ChecksumTests {
    /// Expected values from /tmp/cks.py: botocore's Crc32/Sha1/Sha256Checksum, plus bitwise reference
    /// CRC-32C and CRC-64/NVME implementations checked against the published "123456789" check values.
    static let pattern = (0..<1031).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
    static let vectors: [(name: String, input: [UInt8], expected: [ChecksumAlgorithm: String])] = [
        ("empty", [], [
            .crc32: "AAAAAA==", .crc32c: "AAAAAA==", .crc64nvme: "AAAAAAAAAAA=",
            .sha1: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", .sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ]),
        ("digits", Array("123456789".utf8), [
            .crc32: "y/Q5Jg==", .crc32c: "4waSgw==", .crc64nvme: "rosUhgp5mIg=",
            .sha1: "98O8HYCOBHMq32eZZczDTKeuNEE=", .sha256: "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
        ]),
        ("pattern", pattern, [
            .crc32: "71O3zw==", .crc32c: "mnUEsA==", .crc64nvme: "xEbREH2Oi1w=",
            .sha1: "RZDuJRcI2t3SgBbbiBuXV/AENfA=", .sha256: "ZULJEWWaYdNqulSrkz2NX0aFzBXLSkLVLVrNAsh/pBs=",
        ]),
    ]

    @Test func checkValues() {
        var crc32c = ChecksumHasher(.crc32c)
        var crc64 = ChecksumHasher(.crc64nvme)
        Array("123456789".utf8).withUnsafeBytes {
            crc32c.update($0)
            crc64.update($0)
        }
        #expect(crc32c.finalizeBytes() == [0xE3, 0x06, 0x92, 0x83])
        #expect(crc64.finalizeBytes() == [0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88])
    }

    @Test(arguments: ChecksumAlgorithm.allCases)
    func oneShotMatchesReference(_ algorithm: ChecksumAlgorithm) {
        for vector in Self.vectors {
            var hasher = ChecksumHasher(algorithm)
            vector.input.withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize() == vector.expected[algorithm], "\(algorithm) of \(vector.name)")
        }
    }

    /// Every split point, so the slicing-by-8 loop and the byte tail both resume from any offset.
    @Test(arguments: ChecksumAlgorithm.allCases)
    func incrementalMatchesOneShot(_ algorithm: ChecksumAlgorithm) {
        let input = Self.pattern
        let expected = Self.vectors[2].expected[algorithm]
        for split in Array(0...64) + [515, 1024, 1031] {
            var hasher = ChecksumHasher(algorithm)
            input[..<split].withUnsafeBytes { hasher.update($0) }
            input[split...].withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize() == expected, "\(algorithm) split at \(split)")
        }
    }

    @Test func byteBufferUpdateUsesReadableBytesOnly() {
        var buffer = ByteBuffer(bytes: Array("xx123456789".utf8))
        buffer.moveReaderIndex(forwardBy: 2)
        var hasher = ChecksumHasher(.crc32)
        hasher.update(buffer)
        #expect(hasher.finalize() == "y/Q5Jg==")
    }

    @Test func finalizeDoesNotConsumeState() {
        var hasher = ChecksumHasher(.sha256)
        Array("1234".utf8).withUnsafeBytes { hasher.update($0) }
        _ = hasher.finalize()
        Array("56789".utf8).withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=")
    }

    /// Copies are independent even though the digest state is a shared copy-on-write reference.
    @Test func copiesDoNotShareDigestState() {
        var original = ChecksumHasher(.sha1)
        Array("1234".utf8).withUnsafeBytes { original.update($0) }
        var copy = original
        Array("56789".utf8).withUnsafeBytes { copy.update($0) }
        #expect(copy.finalize() == "98O8HYCOBHMq32eZZczDTKeuNEE=")
        Array("56789".utf8).withUnsafeBytes { original.update($0) }
        #expect(original.finalize() == "98O8HYCOBHMq32eZZczDTKeuNEE=")
    }

    @Test func algorithmNames() {
        #expect(ChecksumAlgorithm.crc64nvme.headerName == "x-amz-checksum-crc64nvme")
        #expect(ChecksumAlgorithm(headerValue: "crc32c") == .crc32c)
        #expect(ChecksumAlgorithm(headerValue: "Sha256") == .sha256)
        #expect(ChecksumAlgorithm(headerValue: "md5") == nil)
        #expect(ChecksumAlgorithm(headerName: "X-Amz-Checksum-CRC32") == .crc32)
        #expect(ChecksumAlgorithm(headerName: "x-amz-checksum-type") == nil)
        for algorithm in ChecksumAlgorithm.allCases {
            #expect(ChecksumAlgorithm(headerName: algorithm.headerName) == algorithm)
        }
    }

    @Test func hexString() {
        #expect([0x00, 0x0F, 0xA5, 0xFF].hexString == "000fa5ff")
        #expect([UInt8]().hexString == "")
    }

    /// Prints throughput (never asserts on time); meaningful only in release builds.
    @Test(arguments: ChecksumAlgorithm.allCases)
    func throughput(_ algorithm: ChecksumAlgorithm) {
        let input = [UInt8](repeating: 0xA5, count: 32 << 20)
        var hasher = ChecksumHasher(algorithm)
        let clock = ContinuousClock()
        let elapsed = clock.measure { input.withUnsafeBytes { hasher.update($0) } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(algorithm.rawValue): \(Int(32 / seconds)) MB/s (\(hasher.finalize()))")
    }
}
