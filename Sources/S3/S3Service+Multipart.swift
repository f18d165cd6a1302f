import AWSWire
import Foundation
import Hummingbird
import ObjectStore

extension S3Service {
    func createMultipartUpload(_ bucket: String, _ key: String, _ request: Request) async throws -> Response {
        let algorithm = S3Headers.value(request.headers, "x-amz-checksum-algorithm").flatMap(ChecksumAlgorithm.init(headerValue:))
        let upload = try await store.createMultipartUpload(
            bucket: bucket, key: key, attributes: try S3Headers.attributes(from: request.headers), checksumAlgorithm: algorithm)
        var w = XMLWriter()
        w.element("InitiateMultipartUploadResult", xmlns: S3Response.namespace) { w in
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("UploadId", upload.uploadId)
        }
        var headers: HTTPFields = [:]
        if let algorithm {
            S3Headers.set(&headers, "x-amz-checksum-algorithm", algorithm.rawValue)
            S3Headers.set(&headers, "x-amz-checksum-type", StoredChecksum.Kind.composite.rawValue)
        }
        return S3Response.xml(w, headers: headers)
    }

    private static func partNumber(_ q: [String: String]) throws -> Int {
        guard let text = q["partNumber"], let number = Int(text), (1...10_000).contains(number) else {
            throw S3Errors.invalidArgument(
                "Part number must be an integer between 1 and 10000, inclusive", name: "partNumber", value: q["partNumber"])
        }
        return number
    }

    func uploadPart(_ bucket: String, _ key: String, _ q: [String: String], _ request: Request) async throws -> Response {
        let number = try Self.partNumber(q)
        let uploadId = q["uploadId"] ?? ""
        let receiver = BodyReceiver(headers: request.headers)
        try receiver.validateUpFront()
        let upload = try await store.upload(uploadId, bucket: bucket, key: key)
        let algorithm = receiver.checksumAlgorithm(fallback: upload.checksumAlgorithm.flatMap(ChecksumAlgorithm.init(rawValue:)))
        let writer = store.makeWriter(checksum: algorithm, computeSHA256: receiver.needsSHA256)
        let (blob, checksum) = try await receiver.receive(request.body, into: writer)
        let part = try await store.putPart(uploadId: uploadId, partNumber: number, blob: blob, checksum: checksum)
        var headers: HTTPFields = [.eTag: "\"\(part.etag)\""]
        if let algorithm, let checksum { S3Headers.set(&headers, algorithm.headerName, checksum) }
        return S3Response.empty(headers: headers)
    }

    func uploadPartCopy(_ bucket: String, _ key: String, _ q: [String: String], _ request: Request) async throws -> Response {
        let number = try Self.partNumber(q)
        let uploadId = q["uploadId"] ?? ""
        let upload = try await store.upload(uploadId, bucket: bucket, key: key)
        let source = try await openCopySource(request)
        let size = source.record.size
        var range: ClosedRange<Int64>? = size > 0 ? 0...(size - 1) : nil
        if let header = S3Headers.value(request.headers, "x-amz-copy-source-range") {
            // Unlike GET, a copy range must be explicit and inside the source.
            let bounds = header.hasPrefix("bytes=") ? header.dropFirst(6).split(separator: "-").compactMap { Int64($0) } : []
            guard bounds.count == 2, bounds[0] <= bounds[1] else {
                throw S3Errors.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last", name: "x-amz-copy-source-range", value: header)
            }
            guard bounds[1] < size else { throw S3Errors.invalidRange(size: size) }
            range = bounds[0]...bounds[1]
        }
        let writer = store.makeWriter(checksum: upload.checksumAlgorithm.flatMap(ChecksumAlgorithm.init(rawValue:)))
        let blob: WrittenBlob
        do {
            if let range { try await source.read(range) { try await writer.write($0) } }
            blob = try await writer.finish()
        } catch {
            await writer.discard()
            throw error
        }
        let part = try await store.putPart(uploadId: uploadId, partNumber: number, blob: blob, checksum: blob.checksum)
        var w = XMLWriter()
        w.element("CopyPartResult", xmlns: S3Response.namespace) { w in
            w.element("LastModified", AWSDate.iso8601(part.lastModified))
            w.element("ETag", "\"\(part.etag)\"")
            if let algorithm = upload.checksumAlgorithm, let checksum = part.checksum { w.element("Checksum" + algorithm, checksum) }
        }
        return S3Response.xml(w)
    }

    func completeMultipartUpload(_ bucket: String, _ key: String, _ q: [String: String], _ request: Request) async throws -> Response {
        let uploadId = q["uploadId"] ?? ""
        guard let root = try await Self.readXML(request), let parts = CompletedParts.decode(root) else { throw S3Errors.malformedXML }
        let record = try await store.completeUpload(uploadId: uploadId, bucket: bucket, key: key, parts: parts)
        let host = request.head.authority ?? "localhost"
        var w = XMLWriter()
        w.element("CompleteMultipartUploadResult", xmlns: S3Response.namespace) { w in
            w.element("Location", "http://\(host)/\(bucket)/\(PercentEncoding.encode(key, keepSlash: true))")
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("ETag", record.quotedETag)
            if let checksum = record.checksum {
                w.element("Checksum" + checksum.algorithm.rawValue, checksum.value)
                w.element("ChecksumType", checksum.type.rawValue)
            }
        }
        return S3Response.xml(w)
    }

    func abortMultipartUpload(_ bucket: String, _ key: String, _ q: [String: String]) async throws -> Response {
        try await store.abortUpload(uploadId: q["uploadId"] ?? "", bucket: bucket, key: key)
        return S3Response.empty(.noContent)
    }

    func listParts(_ bucket: String, _ key: String, _ q: [String: String]) async throws -> Response {
        let uploadId = q["uploadId"] ?? ""
        let upload = try await store.upload(uploadId, bucket: bucket, key: key)
        let marker = Int(q["part-number-marker"] ?? "0") ?? 0
        let maxParts = min(Int(q["max-parts"] ?? "1000") ?? 1000, 1000)
        let (parts, truncated) = try await store.listParts(uploadId: uploadId, after: marker, maxParts: maxParts)
        var w = XMLWriter()
        w.element("ListPartsResult", xmlns: S3Response.namespace) { w in
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("UploadId", uploadId)
            w.element("PartNumberMarker", marker)
            if let last = parts.last { w.element("NextPartNumberMarker", last.partNumber) }
            w.element("MaxParts", maxParts)
            w.element("IsTruncated", truncated)
            for part in parts {
                w.element("Part") { w in
                    w.element("PartNumber", part.partNumber)
                    w.element("LastModified", AWSDate.iso8601(part.lastModified))
                    w.element("ETag", "\"\(part.etag)\"")
                    w.element("Size", Int(part.size))
                    if let algorithm = upload.checksumAlgorithm, let checksum = part.checksum { w.element("Checksum" + algorithm, checksum) }
                }
            }
            S3Response.owner(&w, "Initiator")
            S3Response.owner(&w)
            w.element("StorageClass", "STANDARD")
            w.optional("ChecksumAlgorithm", upload.checksumAlgorithm)
        }
        return S3Response.xml(w)
    }

    func listMultipartUploads(_ bucket: String, _ q: [String: String]) async throws -> Response {
        let p = try ListingParameters(q, maxName: "max-uploads")
        let (uploads, commonPrefixes, truncated) = try await store.listUploads(
            bucket: bucket, prefix: p.prefix, delimiter: p.delimiter, keyMarker: q["key-marker"], uploadIdMarker: q["upload-id-marker"],
            maxUploads: p.maxKeys)
        var w = XMLWriter()
        w.element("ListMultipartUploadsResult", xmlns: S3Response.namespace) { w in
            w.element("Bucket", bucket)
            w.element("KeyMarker", p.encode(q["key-marker"] ?? ""))
            w.element("UploadIdMarker", q["upload-id-marker"] ?? "")
            if truncated, let last = uploads.last {
                w.element("NextKeyMarker", p.encode(last.key))
                w.element("NextUploadIdMarker", last.uploadId)
            }
            p.header(&w)
            w.element("MaxUploads", p.maxKeys)
            w.element("IsTruncated", truncated)
            for upload in uploads {
                w.element("Upload") { w in
                    w.element("Key", p.encode(upload.key))
                    w.element("UploadId", upload.uploadId)
                    S3Response.owner(&w, "Initiator")
                    S3Response.owner(&w)
                    w.element("StorageClass", "STANDARD")
                    w.element("Initiated", AWSDate.iso8601(upload.initiated))
                    w.optional("ChecksumAlgorithm", upload.checksumAlgorithm)
                }
            }
            p.commonPrefixes(commonPrefixes, &w)
        }
        return S3Response.xml(w)
    }
}
