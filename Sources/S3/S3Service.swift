import AWSWire
import Foundation
import Hummingbird
import NIOHTTP1
import ObjectStore

/// S3's REST-XML protocol over the object store: decodes a request, calls the store, encodes the answer.
public struct S3Service: Sendable {
    let store: ObjectStore
    let virtualHostDomains: [String]

    public init(store: ObjectStore, virtualHostDomains: [String] = ["localhost"]) {
        self.store = store
        self.virtualHostDomains = virtualHostDomains
    }

    /// The largest XML request body read into memory (DeleteObjects with 1000 long keys fits easily).
    static let maxXMLBody = 4 * 1024 * 1024

    public func respond(to request: Request, requestID: String) async -> Response {
        let isHead = request.method == .head
        guard let address = S3Address(rawPath: request.head.path ?? "/", host: request.head.authority, virtualHostDomains: virtualHostDomains)
        else {
            return S3Response.errorResponse(S3Errors.invalidRequest("The request path could not be decoded."), requestID: requestID, resource: "/", isHead: isHead)
        }
        let resource = "/" + [address.bucket, address.key].compactMap { $0 }.joined(separator: "/")
        if let tooLarge = Self.contentLengthError(request.headers) {
            // Answered before the body is read, which the client may still be sending: the connection cannot go on.
            return Self.closingConnection(S3Response.errorResponse(tooLarge, requestID: requestID, resource: resource, isHead: isHead))
        }
        do {
            return try await dispatch(request, address)
        } catch let error as AWSError {
            return S3Response.errorResponse(error, requestID: requestID, resource: resource, isHead: isHead)
        } catch is HTTPParserError {
            // The body's framing (a chunk size, say) broke mid-request: the client's fault, and the connection
            // cannot carry another request.
            return Self.closingConnection(
                S3Response.errorResponse(S3Errors.malformedBody, requestID: requestID, resource: resource, isHead: isHead))
        } catch {
            return S3Response.errorResponse(S3Errors.internalError(String(describing: error)), requestID: requestID, resource: resource, isHead: isHead)
        }
    }

    private func dispatch(_ request: Request, _ address: S3Address) async throws -> Response {
        let q = address.query
        guard let bucket = address.bucket else {
            guard request.method == .get else { throw S3Errors.notImplemented("\(request.method) on the service") }
            return try await listBuckets()
        }
        guard let key = address.key else {
            switch request.method {
            case .put where q.isEmpty: return try await createBucket(bucket, request)
            case .head: return try await headBucket(bucket)
            case .delete where q.isEmpty: return try await deleteBucket(bucket)
            case .post where q["delete"] != nil: return try await deleteObjects(bucket, request)
            case .get where q["location"] != nil: return try await getBucketLocation(bucket)
            case .get where q["acl"] != nil: return try await getACL(bucket: bucket, key: nil)
            case .put where q["acl"] != nil: return try await putACL(bucket: bucket, key: nil, request)
            case .get where q["versioning"] != nil: return try await getBucketVersioning(bucket)
            case .get where q["uploads"] != nil: return try await listMultipartUploads(bucket, q)
            case .get where q["versions"] != nil: return try await listObjectVersions(bucket, q)
            case .get where q["list-type"] == "2": return try await listObjectsV2(bucket, q)
            case .get where Self.isPlainListing(q): return try await listObjects(bucket, q)
            default: throw S3Errors.notImplemented(Self.describe(request.method, q, "bucket"))
            }
        }
        guard key.utf8.count <= 1024 else { throw S3Errors.keyTooLong }
        switch request.method {
        case .put where q["uploadId"] != nil && q["partNumber"] != nil:
            return request.headers[.amzCopySource] != nil
                ? try await uploadPartCopy(bucket, key, q, request) : try await uploadPart(bucket, key, q, request)
        case .put where q.isEmpty && request.headers[.amzCopySource] != nil:
            return try await copyObject(bucket, key, request)
        case .put where q.isEmpty: return try await putObject(bucket, key, request)
        case .get where q["uploadId"] != nil: return try await listParts(bucket, key, q)
        case .get where q["acl"] != nil: return try await getACL(bucket: bucket, key: key)
        case .put where q["acl"] != nil: return try await putACL(bucket: bucket, key: key, request)
        case .get where Self.isPlainObjectRead(q): return try await getObject(bucket, key, q, request, head: false)
        case .head where Self.isPlainObjectRead(q): return try await getObject(bucket, key, q, request, head: true)
        case .delete where q["uploadId"] != nil: return try await abortMultipartUpload(bucket, key, q)
        case .delete where q.isEmpty || q.keys.allSatisfy({ $0 == "versionId" }): return try await deleteObject(bucket, key)
        case .post where q["uploads"] != nil: return try await createMultipartUpload(bucket, key, request)
        case .post where q["uploadId"] != nil: return try await completeMultipartUpload(bucket, key, q, request)
        default: throw S3Errors.notImplemented(Self.describe(request.method, q, "object"))
        }
    }

    /// S3's largest single upload (PutObject, UploadPart): 5 GiB.
    static let maxUploadSize: Int64 = 5 * 1024 * 1024 * 1024

    /// A Content-Length past what S3 accepts in one request is refused before any of the body is read, as S3 does.
    static func contentLengthError(_ headers: HTTPFields) -> AWSError? {
        guard let text = headers[.contentLength] else { return nil }
        guard let length = Int64(text), length <= maxUploadSize else { return S3Errors.entityTooLarge(size: text) }
        return nil
    }

    /// `response` with `Connection: close`, which the server honours once it is written.
    static func closingConnection(_ response: Response) -> Response {
        var response = response
        response.headers[.connection] = "close"
        return response
    }

    /// Listing parameters only: anything else is a sub-resource we do not serve.
    private static func isPlainListing(_ q: [String: String]) -> Bool {
        let listing: Set<String> = ["prefix", "delimiter", "marker", "max-keys", "encoding-type"]
        return q.keys.allSatisfy(listing.contains)
    }

    /// GET/HEAD parameters that still mean "read the object" (response header overrides, version `null`).
    private static func isPlainObjectRead(_ q: [String: String]) -> Bool {
        q.keys.allSatisfy { $0.hasPrefix("response-") || $0 == "versionId" || $0 == "partNumber" }
    }

    private static func describe(_ method: HTTPRequest.Method, _ q: [String: String], _ level: String) -> String {
        let subresources = q.keys.sorted().map { "?" + $0 }.joined(separator: " ")
        return "\(method) on a \(level)\(subresources.isEmpty ? "" : " with " + subresources)"
    }

    /// Reads a small XML request body; nil for an empty body, MalformedXML for a bad one.
    static func readXML(_ request: Request) async throws -> XMLElementNode? {
        var request = request
        let buffer = try await request.collectBody(upTo: maxXMLBody)
        guard buffer.readableBytes > 0 else { return nil }
        guard let root = XMLElementNode.parse(Data(buffer.readableBytesView)) else { throw S3Errors.malformedXML }
        return root
    }
}
