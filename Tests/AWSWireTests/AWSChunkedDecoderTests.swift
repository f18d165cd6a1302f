import NIOCore
import Testing

@testable import AWSWire

@Suite struct AWSChunkedDecoderTests {
    /// 100 bytes that include `\r` and `\n`, so payload bytes must never be scanned for line ends.
    static let payload = (0..<100).map { UInt8(($0 * 7 + 3) % 256) }
    static let signature = String(repeating: "ab", count: 32)

    static func body(_ parts: [Any]) -> [UInt8] {
        parts.flatMap { part -> [UInt8] in
            if let text = part as? String { return Array(text.utf8) }
            return part as! [UInt8]
        }
    }

    /// Byte for byte what botocore's AwsChunkedWrapper (chunk_size=40, CRC32 trailer) produces: STREAMING-UNSIGNED-PAYLOAD-TRAILER.
    static let unsignedTrailer = body([
        "28\r\n", Array(payload[0..<40]), "\r\n", "28\r\n", Array(payload[40..<80]), "\r\n",
        "14\r\n", Array(payload[80..<100]), "\r\n", "0\r\nx-amz-checksum-crc32:qjFrCQ==\r\n\r\n",
    ])

    /// STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks, no trailer.
    static let signedChunks = body([
        "40;chunk-signature=\(signature)\r\n", Array(payload[0..<64]), "\r\n",
        "24;chunk-signature=\(signature)\r\n", Array(payload[64..<100]), "\r\n",
        "0;chunk-signature=\(signature)\r\n\r\n",
    ])

    /// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks, then a checksum and the trailer signature.
    static let signedTrailer = body([
        "64;chunk-signature=\(signature)\r\n", payload, "\r\n",
        "0;chunk-signature=\(signature)\r\n",
        "X-Amz-Checksum-CRC32: qjFrCQ==\r\n", "x-amz-trailer-signature:\(signature)\r\n\r\n",
    ])

    static func decode(_ pieces: [ArraySlice<UInt8>]) throws -> (payload: [UInt8], trailers: [String: String]) {
        var decoder = AWSChunkedDecoder()
        var payload: [UInt8] = []
        for piece in pieces {
            for slice in try decoder.decode(ByteBuffer(bytes: piece)) {
                payload += slice.readableBytesView
            }
        }
        return (payload, try decoder.finish())
    }

    static let bodies: [(name: String, bytes: [UInt8], trailers: [String: String])] = [
        ("unsigned-trailer", unsignedTrailer, ["x-amz-checksum-crc32": "qjFrCQ=="]),
        ("signed", signedChunks, [:]),
        ("signed-trailer", signedTrailer, ["x-amz-checksum-crc32": "qjFrCQ==", "x-amz-trailer-signature": signature]),
    ]

    @Test(arguments: bodies.map(\.name))
    func everySingleSplit(_ name: String) throws {
        let body = try #require(Self.bodies.first { $0.name == name })
        for split in 0...body.bytes.count {
            let result = try Self.decode([body.bytes[..<split], body.bytes[split...]])
            #expect(result.payload == Self.payload, "split at \(split)")
            #expect(result.trailers == body.trailers, "split at \(split)")
        }
    }

    @Test(arguments: bodies.map(\.name))
    func byteAtATime(_ name: String) throws {
        let body = try #require(Self.bodies.first { $0.name == name })
        let result = try Self.decode(body.bytes.indices.map { body.bytes[$0...$0] })
        #expect(result.payload == Self.payload)
        #expect(result.trailers == body.trailers)
    }

    @Test func everyPairOfSplits() throws {
        let bytes = Self.unsignedTrailer
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let result = try Self.decode([bytes[..<first], bytes[first..<second], bytes[second...]])
                #expect(result.payload == Self.payload)
            }
        }
    }

    @Test func trailerChecksumMatchesPayload() throws {
        let result = try Self.decode([Self.unsignedTrailer[...]])
        var hasher = ChecksumHasher(.crc32)
        result.payload.withUnsafeBytes { hasher.update($0) }
        #expect(result.trailers[ChecksumAlgorithm.crc32.headerName] == hasher.finalize())
    }

    @Test func slicesShareInputStorage() throws {
        var decoder = AWSChunkedDecoder()
        let slices = try decoder.decode(ByteBuffer(bytes: Self.signedChunks))
        #expect(slices.map(\.readableBytes) == [64, 36])
    }

    @Test func emptyBody() throws {
        let result = try Self.decode([Array("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n".utf8)[...]])
        #expect(result.payload.isEmpty)
        #expect(result.trailers == ["x-amz-checksum-crc32": "AAAAAA=="])
    }

    @Test func everyTruncationIsIncomplete() throws {
        for body in Self.bodies {
            for end in 0..<body.bytes.count {
                #expect(throws: AWSChunkedDecoder.Error.incomplete, "\(body.name) cut at \(end)") {
                    try Self.decode([body.bytes[..<end]])
                }
            }
        }
    }

    @Test(arguments: [
        "zz\r\n",  // not hex
        "+5\r\nhello\r\n0\r\n\r\n",  // sign
        ";chunk-signature=00\r\n",  // no size
        "5\r\nhelloXY0\r\n\r\n",  // data not followed by CRLF
        "5\nhello\r\n",  // bare LF
        "0\r\nno-colon\r\n\r\n",  // bad trailer
        "0\r\n:value\r\n\r\n",  // trailer without a name
        "0\r\n\r\nextra",  // bytes after the end
        "1000000000000000\r\n",  // 16 hex digits
    ])
    func malformed(_ text: String) {
        var decoder = AWSChunkedDecoder()
        #expect(throws: AWSChunkedDecoder.Error.self) {
            _ = try decoder.decode(ByteBuffer(string: text))
        }
    }

    @Test func lineLengthIsCapped() throws {
        var decoder = AWSChunkedDecoder()
        let longExtension = "5;" + String(repeating: "x", count: AWSChunkedDecoder.maximumLineLength)
        // Fed in small pieces so the cap applies while buffering, before any newline arrives.
        var thrown = false
        for piece in longExtension.utf8.chunks(of: 100) {
            do {
                _ = try decoder.decode(ByteBuffer(bytes: piece))
            } catch {
                thrown = true
                break
            }
        }
        #expect(thrown)

        var fits = AWSChunkedDecoder()
        let maximal = "0;" + String(repeating: "x", count: AWSChunkedDecoder.maximumLineLength - 3) + "\r\n\r\n"
        _ = try fits.decode(ByteBuffer(string: maximal))
        #expect(try fits.finish().isEmpty)
    }
}

extension Collection {
    func chunks(of size: Int) -> [SubSequence] {
        stride(from: 0, to: count, by: size).map {
            let start = index(startIndex, offsetBy: $0)
            return self[start..<(index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex)]
        }
    }
}
