/// The flexible-checksum algorithms S3 accepts (`x-amz-checksum-algorithm`, `x-amz-sdk-checksum-algorithm`).
public enum ChecksumAlgorithm: String, Sendable, CaseIterable, Codable {
    case crc32 = "CRC32"
    case crc32c = "CRC32C"
    case crc64nvme = "CRC64NVME"
    case sha1 = "SHA1"
    case sha256 = "SHA256"

    /// The header (or trailer) carrying the base64 checksum value, e.g. `x-amz-checksum-crc32`.
    public var headerName: String {
        "x-amz-checksum-" + rawValue.lowercased()
    }

    /// Parses an algorithm name as sent in `x-amz-checksum-algorithm` / `x-amz-sdk-checksum-algorithm`.
    /// SDKs disagree on case, so the match is case-insensitive.
    public init?(headerValue: String) {
        self.init(rawValue: headerValue.uppercased())
    }

    /// Maps a checksum header or trailer name (any case), e.g. `x-amz-checksum-crc32c`, back to its algorithm.
    public init?(headerName: String) {
        let prefix = "x-amz-checksum-"
        let lowered = headerName.lowercased()
        guard lowered.hasPrefix(prefix) else { return nil }
        self.init(headerValue: String(lowered.dropFirst(prefix.count)))
    }
}
