import AWSWire
import Foundation
import Hummingbird
import ObjectStore

extension S3Service {
    /// The parameters every listing shares.
    struct ListingParameters {
        var prefix: String
        var delimiter: String?
        var maxKeys: Int
        var urlEncoded: Bool

        init(_ q: [String: String], maxName: String = "max-keys") throws {
            prefix = q["prefix"] ?? ""
            delimiter = q["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
            urlEncoded = false
            if let encoding = q["encoding-type"] {
                guard encoding == "url" else {
                    throw S3Errors.invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: encoding)
                }
                urlEncoded = true
            }
            maxKeys = 1000
            if let text = q[maxName] {
                guard let value = Int(text), value >= 0 else {
                    throw S3Errors.invalidArgument("Provided \(maxName) not an integer or within integer range", name: maxName, value: text)
                }
                maxKeys = min(value, 1000)
            }
        }

        /// Keys, prefixes and markers are percent-encoded when the client asked for `encoding-type=url`.
        func encode(_ text: String) -> String {
            urlEncoded ? PercentEncoding.encode(text, keepSlash: true) : text
        }

        /// `encodingPrefix: false` for ListObjects (v1), whose top-level Prefix S3 returns as sent even with
        /// `encoding-type=url`; botocore, which adds that parameter to every listing, decodes it only in the others.
        func header(_ w: inout XMLWriter, encodingPrefix: Bool = true) {
            w.element("Prefix", encodingPrefix ? encode(prefix) : prefix)
            if let delimiter { w.element("Delimiter", encode(delimiter)) }
            if urlEncoded { w.element("EncodingType", "url") }
        }

        func commonPrefixes(_ prefixes: [String], _ w: inout XMLWriter) {
            for common in prefixes {
                w.element("CommonPrefixes") { $0.element("Prefix", encode(common)) }
            }
        }
    }

    func listObjects(_ bucket: String, _ q: [String: String]) async throws -> Response {
        let p = try ListingParameters(q)
        let marker = q["marker"]
        let page = try await store.list(bucket: bucket, ListQuery(prefix: p.prefix, delimiter: p.delimiter, after: marker, maxKeys: p.maxKeys))
        var w = XMLWriter()
        w.element("ListBucketResult", xmlns: S3Response.namespace) { w in
            w.element("Name", bucket)
            p.header(&w, encodingPrefix: false)
            w.element("Marker", p.encode(marker ?? ""))
            w.element("MaxKeys", p.maxKeys)
            w.element("IsTruncated", page.isTruncated)
            // S3 sends NextMarker only with a delimiter; without one, clients use the last key.
            if page.isTruncated, p.delimiter != nil, let last = page.last { w.element("NextMarker", p.encode(last)) }
            for object in page.objects { contents(object, p, owner: true, &w) }
            p.commonPrefixes(page.commonPrefixes, &w)
        }
        return S3Response.xml(w)
    }

    func listObjectsV2(_ bucket: String, _ q: [String: String]) async throws -> Response {
        let p = try ListingParameters(q)
        let token = q["continuation-token"]
        var after = q["start-after"]
        if let token {
            guard let data = Data(base64Encoded: token), let position = String(data: data, encoding: .utf8) else {
                throw S3Errors.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            after = position
        }
        let page = try await store.list(bucket: bucket, ListQuery(prefix: p.prefix, delimiter: p.delimiter, after: after, maxKeys: p.maxKeys))
        let fetchOwner = q["fetch-owner"] == "true"
        var w = XMLWriter()
        w.element("ListBucketResult", xmlns: S3Response.namespace) { w in
            w.element("Name", bucket)
            p.header(&w)
            w.element("MaxKeys", p.maxKeys)
            w.element("KeyCount", page.objects.count + page.commonPrefixes.count)
            w.element("IsTruncated", page.isTruncated)
            w.optional("ContinuationToken", token)
            if page.isTruncated, let last = page.last { w.element("NextContinuationToken", Data(last.utf8).base64EncodedString()) }
            if let startAfter = q["start-after"] { w.element("StartAfter", p.encode(startAfter)) }
            for object in page.objects { contents(object, p, owner: fetchOwner, &w) }
            p.commonPrefixes(page.commonPrefixes, &w)
        }
        return S3Response.xml(w)
    }

    /// Every object is its only version, `null`, as in a bucket that never had versioning.
    func listObjectVersions(_ bucket: String, _ q: [String: String]) async throws -> Response {
        let p = try ListingParameters(q)
        let keyMarker = q["key-marker"]
        let page = try await store.list(bucket: bucket, ListQuery(prefix: p.prefix, delimiter: p.delimiter, after: keyMarker, maxKeys: p.maxKeys))
        var w = XMLWriter()
        w.element("ListVersionsResult", xmlns: S3Response.namespace) { w in
            w.element("Name", bucket)
            p.header(&w)
            w.element("KeyMarker", p.encode(keyMarker ?? ""))
            w.element("VersionIdMarker", q["version-id-marker"] ?? "")
            w.element("MaxKeys", p.maxKeys)
            w.element("IsTruncated", page.isTruncated)
            if page.isTruncated, let last = page.last {
                w.element("NextKeyMarker", p.encode(last))
                w.element("NextVersionIdMarker", "null")
            }
            for object in page.objects {
                w.element("Version") { w in
                    w.element("Key", p.encode(object.key))
                    w.element("VersionId", "null")
                    w.element("IsLatest", true)
                    w.element("LastModified", AWSDate.iso8601(object.lastModified))
                    w.element("ETag", "\"\(object.etag)\"")
                    w.element("Size", Int(object.size))
                    S3Response.owner(&w)
                    w.element("StorageClass", "STANDARD")
                }
            }
            p.commonPrefixes(page.commonPrefixes, &w)
        }
        return S3Response.xml(w)
    }

    private func contents(_ object: ObjectSummary, _ p: ListingParameters, owner: Bool, _ w: inout XMLWriter) {
        w.element("Contents") { w in
            w.element("Key", p.encode(object.key))
            w.element("LastModified", AWSDate.iso8601(object.lastModified))
            w.element("ETag", "\"\(object.etag)\"")
            if let algorithm = object.checksumAlgorithm { w.element("ChecksumAlgorithm", algorithm) }
            w.element("Size", Int(object.size))
            if owner { S3Response.owner(&w) }
            w.element("StorageClass", "STANDARD")
        }
    }
}
