import AWSWire

/// Which bucket and key a request names, from the path (path style) or the Host header (virtual-host style).
struct S3Address: Sendable {
    var bucket: String?
    var key: String?
    /// Query parameters, decoded, first value per name.
    var query: [String: String]

    /// `virtualHostDomains` are the host names under which `<bucket>.<domain>` addresses a bucket.
    init?(rawPath: String, host: String?, virtualHostDomains: [String]) {
        let questionMark = rawPath.firstIndex(of: "?")
        let path = rawPath[..<(questionMark ?? rawPath.endIndex)]
        let rawQuery = questionMark.map { rawPath[rawPath.index(after: $0)...] } ?? ""
        query = [:]
        // Presigned-URL signature parameters (SigV4's X-Amz-*, SigV2's AWSAccessKeyId/Expires/Signature) and the
        // SDKs' `x-id` operation hint address nothing.
        for (name, value) in PercentEncoding.parseQuery(rawQuery) where query[name] == nil && !Self.authParameters.contains(name) && !name.hasPrefix("X-Amz-") {
            query[name] = value
        }
        guard path.hasPrefix("/") else { return nil }
        let rest = path.dropFirst()
        if let bucket = Self.virtualHostBucket(host: host, domains: virtualHostDomains) {
            self.bucket = bucket
            if !rest.isEmpty {
                guard let key = PercentEncoding.decode(rest) else { return nil }
                self.key = key
            }
            return
        }
        guard !rest.isEmpty else { return }
        let slash = rest.firstIndex(of: "/")
        guard let bucket = PercentEncoding.decode(rest[..<(slash ?? rest.endIndex)]) else { return nil }
        self.bucket = bucket
        if let slash, rest.index(after: slash) < rest.endIndex {
            guard let key = PercentEncoding.decode(rest[rest.index(after: slash)...]) else { return nil }
            self.key = key
        }
    }

    static let authParameters: Set<String> = ["x-id", "AWSAccessKeyId", "Expires", "Signature"]

    private static func virtualHostBucket(host: String?, domains: [String]) -> String? {
        guard var host = host?.lowercased() else { return nil }
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        for domain in domains where host.hasSuffix("." + domain) {
            let bucket = host.dropLast(domain.count + 1)
            return bucket.isEmpty ? nil : String(bucket)
        }
        return nil
    }
}
