import AWSWire
import Foundation
import Hummingbird
import ObjectStore

extension S3Service {
    func putObject(_ bucket: String, _ key: String, _ request: Request) async throws -> Response {
        let receiver = BodyReceiver(headers: request.headers)
        try receiver.validateUpFront()
        let attributes = try S3Headers.attributes(from: request.headers)
        try await store.requireBucket(bucket)
        let algorithm = receiver.checksumAlgorithm()
        let writer = store.makeWriter(checksum: algorithm, computeSHA256: receiver.needsSHA256)
        let (blob, checksum) = try await receiver.receive(request.body, into: writer)
        var stored: StoredChecksum? = nil
        if let algorithm, let checksum { stored = StoredChecksum(algorithm: algorithm, value: checksum, type: .fullObject) }
        let record = try await store.putObject(
            bucket: bucket, key: key, blob: blob, attributes: attributes, checksum: stored)
        var headers: HTTPFields = [.eTag: record.quotedETag]
        if let stored { S3Headers.checksum(stored, into: &headers) }
        for (name, value) in record.attributes.stored where name.hasPrefix("x-amz-server-side-encryption") {
            S3Headers.set(&headers, name, value)
        }
        return S3Response.empty(headers: headers)
    }

    func getObject(_ bucket: String, _ key: String, _ q: [String: String], _ request: Request, head: Bool) async throws -> Response {
        // HEAD needs only the index row; GET opens the blobs before answering so the body cannot vanish mid-way.
        let reader = head ? nil : try await store.openObject(bucket: bucket, key: key, preloadingSmall: true)
        let record: ObjectRecord
        if let reader { record = reader.record } else { record = try await store.headObject(bucket: bucket, key: key) }
        var headers: HTTPFields = [:]
        S3Headers.objectHeaders(record, into: &headers)
        switch Conditions(request.headers).evaluate(record) {
        case .preconditionFailed: throw S3Errors.preconditionFailed
        case .notModified:
            headers[.contentType] = nil
            return S3Response.empty(.notModified, headers: headers)
        case .proceed: break
        }
        // response-* query parameters override the stored headers, as presigned downloads use them.
        for (parameter, header) in Self.responseOverrides { S3Headers.set(&headers, header, q[parameter]) }

        var range: ClosedRange<Int64>? = nil
        var status = HTTPResponse.Status.ok
        switch ByteRange(header: request.headers[.range], size: record.size) {
        case .unsatisfiable: throw S3Errors.invalidRange(size: record.size)
        case .partial(let partial):
            range = partial
            status = .partialContent
            headers[.contentRange] = "bytes \(partial.lowerBound)-\(partial.upperBound)/\(record.size)"
        case .whole:
            if record.size > 0 { range = 0...(record.size - 1) }
            // A full-object checksum describes the whole body only: never on a 206.
            if let checksum = record.checksum, checksum.type == .fullObject,
                S3Headers.value(request.headers, "x-amz-checksum-mode")?.uppercased() == "ENABLED"
            {
                S3Headers.checksum(checksum, into: &headers)
            }
        }
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? 0
        headers[.contentLength] = String(length)
        guard let reader, let range else {
            return Response(status: status, headers: headers)
        }
        if let preloaded = reader.preloaded {
            let slice = preloaded.getSlice(at: Int(range.lowerBound), length: Int(length))!
            return Response(status: status, headers: headers, body: .init(byteBuffer: slice))
        }
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: Int(length)) { writer in
                try await reader.read(range) { try await writer.write($0) }
                try await writer.finish(nil)
            })
    }

    func deleteObject(_ bucket: String, _ key: String) async throws -> Response {
        try await store.deleteObject(bucket: bucket, key: key)
        return S3Response.empty(.noContent)
    }

    func deleteObjects(_ bucket: String, _ request: Request) async throws -> Response {
        guard let root = try await Self.readXML(request), root.name == "Delete" else { throw S3Errors.malformedXML }
        let objects = root.children("Object")
        guard !objects.isEmpty, objects.count <= 1000 else { throw S3Errors.malformedXML }
        let quiet = root["Quiet"]?.lowercased() == "true"
        var keys: [(key: String, versionId: String?)] = []
        for object in objects {
            guard let key = object["Key"] else { throw S3Errors.malformedXML }
            keys.append((key, object["VersionId"]))
        }
        try await store.deleteObjects(bucket: bucket, keys: keys.map(\.key))
        var w = XMLWriter()
        w.element("DeleteResult", xmlns: S3Response.namespace) { w in
            guard !quiet else { return }
            for entry in keys {
                w.element("Deleted") { w in
                    w.element("Key", entry.key)
                    w.optional("VersionId", entry.versionId)
                }
            }
        }
        return S3Response.xml(w)
    }

    func copyObject(_ bucket: String, _ key: String, _ request: Request) async throws -> Response {
        let source = try await openCopySource(request)
        let replace = S3Headers.value(request.headers, "x-amz-metadata-directive")?.uppercased() == "REPLACE"
        if source.record.bucket == bucket, source.record.key == key, !replace {
            throw S3Errors.invalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
            )
        }
        try await store.requireBucket(bucket)
        let attributes = try replace ? S3Headers.attributes(from: request.headers) : source.record.attributes
        let record = try await store.copyObject(source, toBucket: bucket, key: key, attributes: attributes)
        var w = XMLWriter()
        w.element("CopyObjectResult", xmlns: S3Response.namespace) { w in
            w.element("LastModified", AWSDate.iso8601(record.lastModified))
            w.element("ETag", record.quotedETag)
            if let checksum = record.checksum, checksum.type == .fullObject {
                w.element("Checksum" + checksum.algorithm.rawValue, checksum.value)
            }
        }
        var headers: HTTPFields = [:]
        S3Headers.set(&headers, "x-amz-copy-source-version-id", "null")
        return S3Response.xml(w, headers: headers)
    }

    /// `response-content-type` and friends: query parameters that override a stored header, as presigned downloads use.
    static let responseOverrides = [
        "response-content-type": "Content-Type", "response-content-language": "Content-Language", "response-expires": "Expires",
        "response-cache-control": "Cache-Control", "response-content-disposition": "Content-Disposition",
        "response-content-encoding": "Content-Encoding",
    ]

    /// Opens the object named by `x-amz-copy-source` (`bucket/key` or `/bucket/key`, URL-encoded, optional
    /// `?versionId=`) and applies the `x-amz-copy-source-if-*` conditions, all of which fail with 412.
    func openCopySource(_ request: Request) async throws -> ObjectReader {
        var source = request.headers[.amzCopySource] ?? ""
        if let question = source.firstIndex(of: "?") { source = String(source[..<question]) }
        if source.hasPrefix("/") { source.removeFirst() }
        guard let slash = source.firstIndex(of: "/"), let bucket = PercentEncoding.decode(source[..<slash]),
            let key = PercentEncoding.decode(source[source.index(after: slash)...]), !key.isEmpty
        else {
            throw S3Errors.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", name: "x-amz-copy-source")
        }
        let reader = try await store.openObject(bucket: bucket, key: key)
        if Conditions(request.headers, prefix: "x-amz-copy-source-").evaluate(reader.record) != .proceed {
            throw S3Errors.preconditionFailed
        }
        return reader
    }
}
