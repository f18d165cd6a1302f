/// The parts of an HTTP request that SigV4 signs, taken from the wire before any decoding.
public struct SignableRequest: Sendable {
    public var method: String
    /// The path exactly as sent, still percent-encoded (decoding first would lose `%2F` vs `/`).
    public var rawPath: String
    /// The query exactly as sent, without the leading `?`.
    public var rawQuery: String
    /// Every header as received; names in any case, repeated names allowed.
    public var headers: [(name: String, value: String)]
    /// The payload hash to sign: the `x-amz-content-sha256` value for S3 (a hex SHA-256, `UNSIGNED-PAYLOAD`
    /// or a `STREAMING-*` marker), otherwise the hex SHA-256 of the body. Presigned S3 requests ignore it
    /// and sign `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(method: String, rawPath: String, rawQuery: String, headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// All values of the header `name` (case-insensitive), in order of arrival.
    public func headerValues(_ name: String) -> [String] {
        let name = name.lowercased()
        return headers.filter { $0.name.lowercased() == name }.map(\.value)
    }
}
