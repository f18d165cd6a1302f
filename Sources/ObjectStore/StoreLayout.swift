import Foundation

/// Where the store keeps its files. Object bytes live in immutable blob files named by random ids, never by key,
/// so no key can reach outside the data directory and `a`, `a/` and `a/b` coexist.
///
/// The paths are plain strings built once: every upload asks for two of them, and building file URLs costs a stat.
public struct StoreLayout: Sendable {
    public let root: String
    public let database: String
    /// Uploads in flight; emptied at every start, since nothing in it was ever acknowledged.
    public let temporary: String
    public let blobs: String

    public init(dataDirectory: String) {
        // Absolute, as job sandboxes and child processes resolve these paths from other working directories.
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true).appendingPathComponent("s3", isDirectory: true).path
        database = root + "/index.sqlite"
        temporary = root + "/tmp"
        blobs = root + "/blobs"
    }

    public func temporaryPath(_ name: String) -> String { temporary + "/" + name }

    /// Blobs fan out over 256 folders by the first two hex digits of their id.
    public func blobPath(_ name: String) -> String { blobs + "/" + name.prefix(2) + "/" + name }

    /// A fresh blob id: a random UUID in lower case. Built from the system generator (getrandom) because
    /// Foundation's `UUID()` opens /dev/urandom on every call.
    static func newBlobName() -> String {
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        let bytes = withUnsafeBytes(of: (high, low)) { Array($0) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString.lowercased()
    }

    func createDirectories() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        for i in 0..<256 {
            try fm.createDirectory(atPath: blobs + "/" + String(format: "%02x", i), withIntermediateDirectories: true)
        }
    }
}
