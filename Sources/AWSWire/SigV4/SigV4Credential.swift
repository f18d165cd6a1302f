/// The `Credential=` part of a SigV4 signature: access key id plus credential scope.
public struct SigV4Credential: Sendable, Equatable {
    public let accessKeyId: String
    /// `yyyymmdd`, which must match the request date.
    public let date: String
    public let region: String
    public let service: String

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    /// Parses `AKID/20250101/us-east-1/s3/aws4_request`.
    public init?(_ credential: some StringProtocol) {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "aws4_request",
            !parts[0].isEmpty, parts[1].count == 8, parts[1].allSatisfy(\.isASCIIDigit),
            !parts[2].isEmpty, !parts[3].isEmpty
        else { return nil }
        self.init(accessKeyId: String(parts[0]), date: String(parts[1]), region: String(parts[2]), service: String(parts[3]))
    }

    /// `20250101/us-east-1/s3/aws4_request`, the scope line of the string to sign.
    public var scope: String {
        "\(date)/\(region)/\(service)/aws4_request"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
