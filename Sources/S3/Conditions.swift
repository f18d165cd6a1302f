import AWSWire
import Foundation
import HTTPTypes
import ObjectStore

/// Conditional request headers, evaluated in RFC 7232's order as S3 does.
struct Conditions {
    var ifMatch: String?
    var ifNoneMatch: String?
    var ifModifiedSince: Date?
    var ifUnmodifiedSince: Date?

    enum Outcome { case proceed, notModified, preconditionFailed }

    init(_ headers: HTTPFields, prefix: String = "") {
        ifMatch = S3Headers.value(headers, prefix + "if-match")
        ifNoneMatch = S3Headers.value(headers, prefix + "if-none-match")
        ifModifiedSince = S3Headers.value(headers, prefix + "if-modified-since").flatMap(AWSDate.parseHTTP)
        ifUnmodifiedSince = S3Headers.value(headers, prefix + "if-unmodified-since").flatMap(AWSDate.parseHTTP)
    }

    func evaluate(_ record: ObjectRecord) -> Outcome {
        // HTTP dates have whole seconds; compare at that precision.
        let modified = record.lastModified.timeIntervalSince1970.rounded(.down)
        if let ifMatch {
            if !Self.matches(ifMatch, record.etag) { return .preconditionFailed }
        } else if let ifUnmodifiedSince, modified > ifUnmodifiedSince.timeIntervalSince1970 {
            return .preconditionFailed
        }
        if let ifNoneMatch {
            if Self.matches(ifNoneMatch, record.etag) { return .notModified }
        } else if let ifModifiedSince, modified <= ifModifiedSince.timeIntervalSince1970 {
            return .notModified
        }
        return .proceed
    }

    /// True when any of the comma-separated (possibly quoted or weak) tags names `etag`, or is `*`.
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) == etag
        }
    }
}
