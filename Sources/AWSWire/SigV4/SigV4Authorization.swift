/// A parsed SigV4 signature, from either the `Authorization` header or presigned-URL query parameters.
public struct SigV4Authorization: Sendable, Equatable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public let credential: SigV4Credential
    /// Lowercased header names, in the order the client listed (and signed) them.
    public let signedHeaders: [String]
    public let signature: String

    public init(credential: SigV4Credential, signedHeaders: [String], signature: String) {
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signature = signature
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`.
    /// Whitespace after the commas is optional, as some SDKs omit it.
    public static func parse(header: String) -> SigV4Authorization? {
        guard header.hasPrefix(algorithm + " ") else { return nil }
        var fields: [Substring: Substring] = [:]
        for field in header.dropFirst(algorithm.count + 1).split(separator: ",") {
            let field = field.trimmingSpaces
            guard let equals = field.firstIndex(of: "=") else { return nil }
            fields[field[..<equals]] = field[field.index(after: equals)...]
        }
        guard let credential = fields["Credential"].flatMap(SigV4Credential.init),
            let signedHeaders = fields["SignedHeaders"], let signature = fields["Signature"], !signature.isEmpty
        else { return nil }
        return SigV4Authorization(credential: credential, signedHeaders: splitSignedHeaders(signedHeaders), signature: String(signature))
    }

    /// Parses presigned-URL parameters (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Signature`). Values may be raw or already percent-decoded: none of these
    /// legitimately contains `%` once decoded, so decoding again is harmless.
    public static func parse(query: [(String, String)]) -> (SigV4Authorization, amzDate: String, expires: Int)? {
        var fields: [String: String] = [:]
        for (name, value) in query where name.hasPrefix("X-Amz-") {
            fields[name] = PercentEncoding.decode(value) ?? value
        }
        guard fields["X-Amz-Algorithm"] == algorithm,
            let credential = fields["X-Amz-Credential"].flatMap(SigV4Credential.init),
            let amzDate = fields["X-Amz-Date"],
            let expires = fields["X-Amz-Expires"].flatMap({ Int($0) }),
            let signedHeaders = fields["X-Amz-SignedHeaders"],
            let signature = fields["X-Amz-Signature"], !signature.isEmpty
        else { return nil }
        let authorization = SigV4Authorization(
            credential: credential, signedHeaders: splitSignedHeaders(signedHeaders), signature: signature)
        return (authorization, amzDate, expires)
    }

    private static func splitSignedHeaders(_ list: some StringProtocol) -> [String] {
        list.split(separator: ";").map { $0.lowercased() }
    }
}
