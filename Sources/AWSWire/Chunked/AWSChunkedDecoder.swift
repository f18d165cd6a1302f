import NIOCore

/// Streaming decoder for `Content-Encoding: aws-chunked` request bodies
/// (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`).
///
/// Wire format: `<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n` repeated, a final `0[;…]\r\n`,
/// trailer lines `name:value\r\n`, then an empty line. Input may be split anywhere, even between
/// `\r` and `\n`. Payload bytes come back as slices of the input buffers, never copied.
///
/// With a `ChunkSignatureVerifier` (servers that verify SigV4), every chunk's `chunk-signature` is checked
/// against the chain that starts at the request's seed signature; trailer signatures are not checked, the
/// trailing checksum guards those bytes. Any thrown error leaves the decoder unusable.
public struct AWSChunkedDecoder: Sendable {
    public enum Error: Swift.Error, Equatable {
        case malformed(String)
        case incomplete
        case signatureMismatch
    }

    /// Longest chunk-header or trailer line buffered while waiting for its `\n`, so a hostile
    /// body cannot make us buffer without bound.
    public static let maximumLineLength = 4_096

    private enum State {
        case chunkHeader
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailer
        case done
    }

    private var state = State.chunkHeader
    /// The current header or trailer line so far, without its `\n`.
    private var line: [UInt8] = []
    private var trailers: [String: String] = [:]

    private var verifier: ChunkSignatureVerifier?
    private var chunkHash = ChecksumHasher(.sha256)
    private var chunkSignature: String?

    public init(verifier: ChunkSignatureVerifier? = nil) {
        self.verifier = verifier
    }

    /// Consumes `input` and returns the payload slices it completed (possibly none).
    public mutating func decode(_ input: ByteBuffer) throws -> [ByteBuffer] {
        var input = input
        var output: [ByteBuffer] = []
        while input.readableBytes > 0 {
            switch state {
            case .data(let remaining):
                let count = min(remaining, input.readableBytes)
                let slice = input.readSlice(length: count)!
                if verifier != nil { chunkHash.update(slice) }
                output.append(slice)
                state = count == remaining ? .dataCR : .data(remaining: remaining - count)
                if count == remaining { try verifyChunk() }
            case .dataCR:
                try expect(UInt8(ascii: "\r"), from: &input)
                state = .dataLF
            case .dataLF:
                try expect(UInt8(ascii: "\n"), from: &input)
                state = .chunkHeader
            case .chunkHeader:
                guard let line = try readLine(from: &input) else { break }
                let size = try Self.chunkSize(line)
                chunkSignature = Self.signature(line)
                chunkHash = ChecksumHasher(.sha256)
                state = size == 0 ? .trailer : .data(remaining: size)
                if size == 0 { try verifyChunk() }
            case .trailer:
                guard let line = try readLine(from: &input) else { break }
                if line.isEmpty {
                    state = .done
                } else {
                    try addTrailer(line)
                }
            case .done:
                throw Error.malformed("data after the end of the aws-chunked body")
            }
        }
        return output
    }

    /// Checks the finished chunk's signature and moves the chain on.
    private mutating func verifyChunk() throws {
        guard var verifier else { return }
        guard let claimed = chunkSignature, verifier.verify(chunkHash: chunkHash.finalizeBytes(), signature: claimed) else {
            throw Error.signatureMismatch
        }
        self.verifier = verifier
    }

    /// The `chunk-signature=` extension of a chunk header line.
    private static func signature(_ line: [UInt8]) -> String? {
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: ";chunk-signature=") else { return nil }
        return String(text[range.upperBound...])
    }

    /// Call at end of body; returns the trailers keyed by lowercased name. Throws `incomplete` unless the
    /// terminating empty line arrived: without it, trailers (and their checksum) may have been cut off.
    public func finish() throws -> [String: String] {
        guard case .done = state else { throw Error.incomplete }
        return trailers
    }

    private func expect(_ byte: UInt8, from input: inout ByteBuffer) throws {
        guard input.readInteger(as: UInt8.self) == byte else {
            throw Error.malformed("chunk data not followed by CRLF")
        }
    }

    /// Returns a complete line without its CRLF, or nil once `input` is used up mid-line.
    private mutating func readLine(from input: inout ByteBuffer) throws -> [UInt8]? {
        let newline = input.withUnsafeReadableBytes { $0.firstIndex(of: UInt8(ascii: "\n")) }
        let take = newline ?? input.readableBytes
        guard line.count + take <= Self.maximumLineLength else {
            throw Error.malformed("chunk header or trailer line longer than \(Self.maximumLineLength) bytes")
        }
        line.append(contentsOf: input.readBytes(length: take)!)
        guard newline != nil else { return nil }
        input.moveReaderIndex(forwardBy: 1)
        guard line.last == UInt8(ascii: "\r") else { throw Error.malformed("line not terminated by CRLF") }
        defer { line.removeAll(keepingCapacity: true) }
        return Array(line.dropLast())
    }

    /// Parses `<hex-size>[;extensions]`; extensions such as `chunk-signature` are ignored.
    private static func chunkSize(_ line: [UInt8]) throws -> Int {
        func invalid() -> Error { .malformed("invalid chunk size line \"\(String(decoding: line.prefix(64), as: UTF8.self))\"") }
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        // 15 hex digits cannot overflow Int.
        guard !digits.isEmpty, digits.count <= 15 else { throw invalid() }
        var size = 0
        for digit in digits {
            guard let value = Hex.value(digit) else { throw invalid() }
            size = size << 4 | Int(value)
        }
        return size
    }

    private mutating func addTrailer(_ line: [UInt8]) throws {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw Error.malformed("trailer line without ':'")
        }
        let name = String(decoding: line[..<colon], as: UTF8.self).trimmingSpaces.lowercased()
        guard !name.isEmpty else { throw Error.malformed("trailer line without a name") }
        trailers[name] = String(String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces)
    }
}
