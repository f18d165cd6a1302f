/// An `s3://bucket/key` URL, as job requests name their data, code and outputs.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// Everything after the bucket's slash; empty for `s3://bucket` and `s3://bucket/`.
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// Nil unless `uri` is an `s3://` URL with a bucket.
    public init?(_ uri: String) {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        guard slash > rest.startIndex else { return nil }
        bucket = String(rest[..<slash])
        key = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
    }

    /// The key as a folder prefix: empty, or ending in `/`.
    public var folderPrefix: String {
        key.isEmpty || key.hasSuffix("/") ? key : key + "/"
    }
}
