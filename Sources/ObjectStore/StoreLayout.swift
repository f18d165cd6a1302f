import Foundation

/// Where the store keeps its files. Object bytes live in immutable blob files named by random ids, never by key,
/// so no key can reach outside the data directory and `a`, `a/` and `a/b` coexist.
public struct StoreLayout: Sendable {
    public let root: URL

    public init(dataDirectory: String) {
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true).appendingPathComponent("s3", isDirectory: true)
    }

    public var database: String { root.appendingPathComponent("index.sqlite").path }
    /// Uploads in flight; emptied at every start, since nothing in it was ever acknowledged.
    public var temporary: String { root.appendingPathComponent("tmp").path }
    public var blobs: String { root.appendingPathComponent("blobs").path }

    public func temporaryPath(_ name: String) -> String { temporary + "/" + name }

    /// Blobs fan out over 256 folders by the first two hex digits of their id.
    public func blobPath(_ name: String) -> String { blobs + "/" + name.prefix(2) + "/" + name }

    func createDirectories() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        for i in 0..<256 {
            try fm.createDirectory(atPath: blobs + "/" + String(format: "%02x", i), withIntermediateDirectories: true)
        }
    }
}
