import AWSWire
import Foundation

/// A bucket as stored.
public struct Bucket: Sendable, Equatable {
    public let name: String
    public let region: String
    public let creationDate: Date
}

/// The headers S3 stores with an object and returns on GET and HEAD.
public struct ObjectAttributes: Codable, Sendable, Equatable {
    public var contentType: String?
    public var cacheControl: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var contentLanguage: String?
    public var expires: String?
    /// `x-amz-meta-*` values by lower-cased name (without the prefix); empty values are kept.
    public var metadata: [String: String]
    /// Other `x-amz-*` headers accepted and echoed back (server-side encryption, storage class, ...).
    public var stored: [String: String]

    public init(
        contentType: String? = nil, cacheControl: String? = nil, contentDisposition: String? = nil,
        contentEncoding: String? = nil, contentLanguage: String? = nil, expires: String? = nil,
        metadata: [String: String] = [:], stored: [String: String] = [:]
    ) {
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.contentLanguage = contentLanguage
        self.expires = expires
        self.metadata = metadata
        self.stored = stored
    }
}

/// A flexible checksum as stored: `FULL_OBJECT` for single PUTs, `COMPOSITE` (`value-N`) for multipart uploads.
public struct StoredChecksum: Codable, Sendable, Equatable {
    /// `x-amz-checksum-type`.
    public enum Kind: String, Codable, Sendable {
        case fullObject = "FULL_OBJECT"
        case composite = "COMPOSITE"
    }

    public let algorithm: ChecksumAlgorithm
    public let value: String
    public let type: Kind

    public init(algorithm: ChecksumAlgorithm, value: String, type: Kind) {
        self.algorithm = algorithm
        self.value = value
        self.type = type
    }
}

/// One immutable file holding a run of an object's bytes; a multipart object is several.
public struct Segment: Codable, Sendable, Equatable {
    public let blob: String
    public let size: Int64
}

/// The `checksum` and `segments` columns are read on every HEAD and GET, so they are stored as short text that
/// parses with a split, not as JSON (whose decoder took a tenth of a small GET's time). Blob names are UUIDs and
/// checksum values base64, so the separators cannot occur inside a field.
extension StoredChecksum {
    /// `ALGORITHM TYPE VALUE`, e.g. `CRC32 FULL_OBJECT SNfwYw==`.
    var column: String { "\(algorithm.rawValue) \(type.rawValue) \(value)" }

    init(column: String) throws {
        let fields = column.split(separator: " ")
        guard fields.count == 3, let algorithm = ChecksumAlgorithm(rawValue: String(fields[0])), let type = Kind(rawValue: String(fields[1])) else {
            throw IndexFormatError(column)
        }
        self.init(algorithm: algorithm, value: String(fields[2]), type: type)
    }
}

extension Segment {
    /// `blob:size` per segment, joined by commas.
    static func column(_ segments: [Segment]) -> String {
        segments.map { "\($0.blob):\($0.size)" }.joined(separator: ",")
    }

    static func segments(column: String) throws -> [Segment] {
        try column.split(separator: ",").map { field in
            guard let colon = field.lastIndex(of: ":"), let size = Int64(field[field.index(after: colon)...]) else {
                throw IndexFormatError(column)
            }
            return Segment(blob: String(field[..<colon]), size: size)
        }
    }
}

/// An index value that does not parse: the database was changed by something other than Sagebox.
struct IndexFormatError: Error, CustomStringConvertible {
    let description: String
    init(_ value: String) { description = "unreadable index value: \(value)" }
}

/// An object's index entry: everything but its bytes.
public struct ObjectRecord: Sendable, Equatable {
    public let bucket: String
    public let key: String
    public let size: Int64
    /// The MD5 hex, or `<md5 of part md5s>-<N>` for multipart; unquoted.
    public let etag: String
    public let lastModified: Date
    public let attributes: ObjectAttributes
    public let checksum: StoredChecksum?
    public let segments: [Segment]
    public let partsCount: Int?

    public var quotedETag: String { "\"\(etag)\"" }
}

/// A listing row: the fields ListObjects returns.
public struct ObjectSummary: Sendable, Equatable {
    public let key: String
    public let size: Int64
    public let etag: String
    public let lastModified: Date
    public let checksumAlgorithm: String?
}

public struct MultipartUpload: Sendable, Equatable {
    public let uploadId: String
    public let bucket: String
    public let key: String
    public let initiated: Date
    public let attributes: ObjectAttributes
    public let checksumAlgorithm: String?
}

public struct Part: Sendable, Equatable {
    public let partNumber: Int
    public let size: Int64
    public let etag: String
    public let lastModified: Date
    public let checksum: String?
    let blob: String
}
