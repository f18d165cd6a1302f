import Crypto

/// The AWS Signature Version 4 algorithm: canonical request, string to sign, key derivation, signature.
public enum SigV4 {
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The canonical request exactly as AWS builds it, for `signedHeaders` (lowercased, in signing order).
    /// `excludingQueryParameter` drops a parameter by decoded name (`X-Amz-Signature` for presigned URLs).
    public static func canonicalRequest(
        _ request: SignableRequest, signedHeaders: [String], service: String, excludingQueryParameter: String? = nil
    ) -> String {
        var valuesByName: [String: [String]] = [:]
        for header in request.headers {
            valuesByName[header.name.lowercased(), default: []].append(foldSpaces(header.value))
        }
        var lines = [
            request.method.uppercased(),
            canonicalURI(rawPath: request.rawPath, service: service),
            canonicalQuery(rawQuery: request.rawQuery, excluding: excludingQueryParameter),
        ]
        for name in signedHeaders {
            lines.append(name + ":" + (valuesByName[name] ?? []).joined(separator: ","))
        }
        lines.append("")
        lines.append(signedHeaders.joined(separator: ";"))
        lines.append(request.payloadHash)
        return lines.joined(separator: "\n")
    }

    public static func stringToSign(canonicalRequest: String, amzDate: String, credential: SigV4Credential) -> String {
        [
            SigV4Authorization.algorithm,
            amzDate,
            credential.scope,
            SHA256.hash(data: Array(canonicalRequest.utf8)).hexString,
        ].joined(separator: "\n")
    }

    /// `HMAC("AWS4" + secret, date) → region → service → "aws4_request"`.
    public static func signingKey(secretKey: String, credential: SigV4Credential) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secretKey).utf8))
        for step in [credential.date, credential.region, credential.service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(step.utf8), using: key))
        }
        return key
    }

    /// Lowercase hex HMAC-SHA256 of `stringToSign`.
    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey).hexString
    }

    public static func signature(stringToSign: String, secretKey: String, credential: SigV4Credential) -> String {
        signature(stringToSign: stringToSign, signingKey: signingKey(secretKey: secretKey, credential: credential))
    }

    /// S3 signs the path as sent, so each segment is only normalised (decoded and re-encoded with the
    /// unreserved set). Every other service signs the dot-segment-resolved path URI-encoded a second time.
    static func canonicalURI(rawPath: String, service: String) -> String {
        var segments = rawPath.split(separator: "/", omittingEmptySubsequences: false).map(normalize)
        if service == "s3" {
            let path = segments.joined(separator: "/")
            return path.hasPrefix("/") ? path : "/" + path
        }
        // Like botocore's remove_dot_segments: AWS also collapses repeated slashes for these services.
        let trailingSlash = segments.count > 1 && segments.last == ""
        var resolved: [String] = []
        for segment in segments where !segment.isEmpty && segment != "." {
            if segment == ".." {
                _ = resolved.popLast()
            } else {
                resolved.append(segment)
            }
        }
        segments = resolved.map { PercentEncoding.encode($0) }
        let path = "/" + segments.joined(separator: "/")
        return trailingSlash && !segments.isEmpty ? path + "/" : path
    }

    /// Every name and value normalised, sorted by name then value in byte order; `name=` for bare names.
    static func canonicalQuery(rawQuery: String, excluding excludedName: String?) -> String {
        var pairs: [(name: String, value: String)] = []
        for pair in rawQuery.split(separator: "&") {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            let name = pair[..<equals]
            let value = equals == pair.endIndex ? "" : pair[pair.index(after: equals)...]
            if let excludedName, PercentEncoding.decode(name) == excludedName { continue }
            pairs.append((normalize(name), normalize(value)))
        }
        pairs.sort { lhs, rhs in
            lhs.name == rhs.name
                ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
        return pairs.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Decode-then-encode, so differently escaped spellings of the same text canonicalise alike
    /// (`+` stays literal: SigV4 never reads it as a space). A malformed escape is taken literally.
    static func normalize(_ component: Substring) -> String {
        PercentEncoding.encode(PercentEncoding.decode(component) ?? String(component))
    }

    /// Trims the value and folds inner runs of whitespace into one space.
    static func foldSpaces(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
