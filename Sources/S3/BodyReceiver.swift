import AWSWire
import Crypto
import Foundation
import Hummingbird
import ObjectStore

/// Streams a request body into the store's temporary area and checks every integrity claim the request makes
/// (Content-Length, Content-MD5, x-amz-checksum-*, x-amz-content-sha256) before anything is installed.
public struct BodyReceiver {
    let headers: HTTPFields
    /// Set for the request being served when the server verifies signatures and its body is a signed aws-chunked
    /// stream; the authentication layer that knows the secret sets it around the S3 call.
    @TaskLocal public static var chunkVerifier: ChunkSignatureVerifier?

    /// The checksum the client sends or asks for, from its header, the SDK's algorithm header or the trailer
    /// announcement; `fallback` is the upload's algorithm for UploadPart.
    func checksumAlgorithm(fallback: ChecksumAlgorithm? = nil) -> ChecksumAlgorithm? {
        for algorithm in ChecksumAlgorithm.allCases where S3Headers.value(headers, algorithm.headerName) != nil {
            return algorithm
        }
        if let trailer = S3Headers.value(headers, "x-amz-trailer"), let algorithm = ChecksumAlgorithm(headerName: trailer.lowercased()) {
            return algorithm
        }
        if let named = S3Headers.value(headers, "x-amz-sdk-checksum-algorithm"), let algorithm = ChecksumAlgorithm(headerValue: named) {
            return algorithm
        }
        return fallback
    }

    /// Checks what can be checked before the body is read, so a bad request costs no upload.
    func validateUpFront() throws {
        if let md5 = S3Headers.value(headers, "content-md5"), Data(base64Encoded: md5)?.count != 16 {
            throw S3Errors.invalidDigest
        }
    }

    private var isAWSChunked: Bool {
        let sha = headers[.amzContentSHA256] ?? ""
        let encoding = headers[.contentEncoding] ?? ""
        return sha.hasPrefix("STREAMING-") || encoding.contains("aws-chunked")
    }

    /// Receives the body; on any failure the temporary file is removed and the error is thrown.
    func receive(_ body: RequestBody, into writer: BlobWriter) async throws -> (blob: WrittenBlob, checksum: String?) {
        do {
            var trailers: [String: String] = [:]
            if isAWSChunked {
                var decoder = AWSChunkedDecoder(verifier: Self.chunkVerifier)
                do {
                    for try await buffer in body {
                        for piece in try decoder.decode(buffer) { try await writer.write(piece) }
                    }
                    trailers = try decoder.finish()
                } catch AWSChunkedDecoder.Error.signatureMismatch {
                    throw S3Errors.chunkSignatureMismatch
                } catch is AWSChunkedDecoder.Error {
                    throw S3Errors.incompleteBody
                }
            } else {
                for try await buffer in body { try await writer.write(buffer) }
            }
            let blob = try await writer.finish()
            let checksum = try verify(blob, trailers: trailers)
            return (blob, checksum)
        } catch {
            await writer.discard()
            throw error
        }
    }

    private func verify(_ blob: WrittenBlob, trailers: [String: String]) throws -> String? {
        let expectedLength = isAWSChunked ? S3Headers.value(headers, "x-amz-decoded-content-length") : headers[.contentLength]
        if let expectedLength, let length = Int64(expectedLength), length != blob.size {
            throw S3Errors.incompleteBody
        }
        if let md5 = S3Headers.value(headers, "content-md5"), Data(base64Encoded: md5).map(Array.init) != blob.md5 {
            throw S3Errors.badDigest
        }
        if let sha = headers[.amzContentSHA256], Self.isHexDigest(sha), sha.lowercased() != blob.sha256Hex {
            throw S3Errors.contentSHA256Mismatch
        }
        guard let computed = blob.checksum, let algorithm = blob.checksumAlgorithm else { return blob.checksum }
        if let claimed = S3Headers.value(headers, algorithm.headerName) ?? trailers[algorithm.headerName], claimed != computed {
            throw S3Errors.badChecksum(algorithm.rawValue)
        }
        return computed
    }

    /// Whether the SHA-256 must be computed: only when the header names a real digest.
    var needsSHA256: Bool {
        headers[.amzContentSHA256].map(Self.isHexDigest) ?? false
    }

    static func isHexDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }
}
