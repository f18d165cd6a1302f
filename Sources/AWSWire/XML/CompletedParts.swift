/// The part list of a CompleteMultipartUpload document.
///
/// It is S3's alone, but it lives beside the XML reader so that the multipart fuzz target can reach it without
/// building the server.
public enum CompletedParts {
    /// `(PartNumber, ETag)` of every `<Part>` in document order; nil when the root is not CompleteMultipartUpload,
    /// a part lacks either field or has a non-numeric number, or there are no parts (all MalformedXML in S3).
    public static func decode(_ root: XMLElementNode) -> [(number: Int, etag: String)]? {
        guard root.name == "CompleteMultipartUpload" else { return nil }
        var parts: [(number: Int, etag: String)] = []
        for part in root.children("Part") {
            guard let number = part["PartNumber"].flatMap({ Int($0) }), let etag = part["ETag"] else { return nil }
            parts.append((number, etag))
        }
        return parts.isEmpty ? nil : parts
    }
}
