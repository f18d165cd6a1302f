import AWSWire
import Foundation
import HTTPTypes
import ObjectStore

/// Reading and writing the headers S3 keeps with an object.
enum S3Headers {
    /// `x-amz-*` headers stored as given and returned on GET and HEAD.
    static let storedAmzHeaders: Set<String> = [
        "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context",
        "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-storage-class", "x-amz-website-redirect-location",
    ]

    /// S3's limit on user metadata: the UTF-8 bytes of every `x-amz-meta-*` name (without the prefix) and value.
    static let maxMetadataSize = 2048

    /// The attributes a PUT, copy with REPLACE or CreateMultipartUpload stores; `MetadataTooLarge` past 2 KB of
    /// user metadata.
    static func attributes(from headers: HTTPFields) throws -> ObjectAttributes {
        var attributes = ObjectAttributes()
        var metadataSize = 0
        for field in headers {
            let name = field.name.canonicalName
            switch name {
            case "content-type": attributes.contentType = field.value
            case "cache-control": attributes.cacheControl = field.value
            case "content-disposition": attributes.contentDisposition = field.value
            case "content-encoding":
                // aws-chunked describes the transfer, not the object: S3 strips it. Repeated fields and the codings
                // left are joined as HTTP lists are, with a comma and a space.
                let kept = field.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                    $0 != "aws-chunked" && !$0.isEmpty
                }
                let all = (attributes.contentEncoding.map { [$0] } ?? []) + kept
                attributes.contentEncoding = all.isEmpty ? nil : all.joined(separator: ", ")
            case "content-language": attributes.contentLanguage = field.value
            case "expires": attributes.expires = field.value
            default:
                if name.hasPrefix("x-amz-meta-") {
                    let metadataName = String(name.dropFirst("x-amz-meta-".count))
                    metadataSize += metadataName.utf8.count + field.value.utf8.count
                    attributes.metadata[metadataName] = field.value
                } else if storedAmzHeaders.contains(name) {
                    attributes.stored[name] = field.value
                }
            }
        }
        guard metadataSize <= maxMetadataSize else { throw S3Errors.metadataTooLarge(size: metadataSize, limit: maxMetadataSize) }
        return attributes
    }

    /// The headers of a GET or HEAD answer.
    static func objectHeaders(_ record: ObjectRecord, into fields: inout HTTPFields) {
        let a = record.attributes
        fields[.eTag] = record.quotedETag
        fields[.lastModified] = AWSDate.http(record.lastModified)
        fields[.contentType] = a.contentType ?? "binary/octet-stream"
        fields[.acceptRanges] = "bytes"
        set(&fields, "Cache-Control", a.cacheControl)
        set(&fields, "Content-Disposition", a.contentDisposition)
        set(&fields, "Content-Encoding", a.contentEncoding)
        set(&fields, "Content-Language", a.contentLanguage)
        set(&fields, "Expires", a.expires)
        for (name, value) in a.stored.sorted(by: { $0.key < $1.key }) { set(&fields, name, value) }
        for (name, value) in a.metadata.sorted(by: { $0.key < $1.key }) { set(&fields, "x-amz-meta-" + name, value) }
        if let parts = record.partsCount { set(&fields, "x-amz-mp-parts-count", String(parts)) }
    }

    /// `x-amz-checksum-<algorithm>` and `x-amz-checksum-type` of a stored checksum, as PUT and GET answer them.
    static func checksum(_ checksum: StoredChecksum, into fields: inout HTTPFields) {
        set(&fields, checksum.algorithm.headerName, checksum.value)
        set(&fields, "x-amz-checksum-type", checksum.type.rawValue)
    }

    static func set(_ fields: inout HTTPFields, _ name: String, _ value: String?) {
        guard let value, let fieldName = HTTPField.Name(name) else { return }
        fields[fieldName] = value
    }

    static func value(_ fields: HTTPFields, _ name: String) -> String? {
        HTTPField.Name(name).flatMap { fields[$0] }
    }
}
