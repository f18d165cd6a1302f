import AWSWire
import Foundation
import ObjectStore

/// Mirrors a job's checkpoint folder into `CheckpointConfig.S3Uri` while it runs, as SageMaker does: new and
/// changed files are uploaded and deleted files are deleted, within `interval × 2` of the change.
///
/// The folder is scanned (cheap: a `stat` per file) every `interval`; a file is uploaded once its size and
/// modification time are the same in two scans in a row, and re-checked after copying, so a file that is still
/// being written is never uploaded half-written. `finish` is the last sync after the processes are gone, when
/// nothing can change any more.
public actor CheckpointSync {
    public static let defaultInterval: Duration = .milliseconds(500)

    struct FileState: Equatable {
        let size: Int64
        let modified: Date
    }

    let folder: String
    let bucket: String
    let prefix: String
    let objects: ObjectStore
    let interval: Duration
    /// What S3 holds, as of the last upload of each file.
    private var uploaded: [String: FileState] = [:]
    private var previousScan: [String: FileState] = [:]
    private var loop: Task<Void, Never>?

    public init(folder: String, s3Uri: String, objects: ObjectStore, interval: Duration = CheckpointSync.defaultInterval) throws {
        guard let location = S3Location(s3Uri) else { throw CheckpointError("CheckpointConfig.S3Uri \(s3Uri) is not an s3:// URL.") }
        bucket = location.bucket
        prefix = location.folderPrefix
        self.folder = folder
        self.objects = objects
        self.interval = interval
    }

    public struct CheckpointError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Copies every object under the S3 prefix into the folder (before the entry point starts); those files count
    /// as already in sync.
    public func restore() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for object in try await objects.listAll(bucket: bucket, prefix: prefix) where !object.key.hasSuffix("/") {
            let relative = String(object.key.dropFirst(prefix.count))
            guard Self.isSafe(relative) else { continue }
            let target = folder + "/" + relative
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try await objects.exportObject(bucket: bucket, key: object.key, to: target)
        }
        uploaded = await scan() ?? [:]
        previousScan = uploaded
    }

    public func start() {
        loop = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await sync(final: false)
            }
        }
    }

    /// Stops the periodic scans and syncs everything that differs.
    public func finish() async {
        loop?.cancel()
        loop = nil
        await sync(final: true)
    }

    private func sync(final: Bool) async {
        // Without a scan nothing is known; treating it as an empty folder would delete every checkpoint.
        guard let current = await scan() else { return }
        for (path, state) in current.sorted(by: { $0.key < $1.key }) where uploaded[path] != state {
            guard final || previousScan[path] == state else { continue }
            if await upload(path, expected: state) {
                uploaded[path] = state
            }
        }
        for path in uploaded.keys.sorted() where current[path] == nil {
            do {
                try await objects.deleteObject(bucket: bucket, key: prefix + path)
                uploaded[path] = nil
            } catch {
                // Kept in `uploaded`, so the deletion is tried again at the next scan.
            }
        }
        previousScan = current
    }

    /// Copies the file aside and stores the copy, unless the file changed while it was being copied.
    private func upload(_ path: String, expected: FileState) async -> Bool {
        let copy = objects.stagingDirectory + "/checkpoint-" + UUID().uuidString
        let source = folder + "/" + path
        do {
            let unchanged = try await objects.blocking {
                try FileManager.default.copyItem(atPath: source, toPath: copy)
                return Self.state(of: source) == expected
            }
            guard unchanged else {
                try? FileManager.default.removeItem(atPath: copy)
                return false
            }
            try await objects.adoptFile(copy, bucket: bucket, key: prefix + path, contentType: nil)
            return true
        } catch {
            try? FileManager.default.removeItem(atPath: copy)
            return false
        }
    }

    /// Every regular file under the folder, by relative path; the walk runs on the store's I/O pool.
    private func scan() async -> [String: FileState]? {
        let folder = self.folder
        return try? await objects.blocking { Self.scan(folder) }
    }

    private static func scan(_ folder: String) -> [String: FileState] {
        var states: [String: FileState] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return states }
        while let path = enumerator.nextObject() as? String {
            guard let attributes = enumerator.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            states[path] = FileState(
                size: (attributes[.size] as? NSNumber)?.int64Value ?? 0, modified: attributes[.modificationDate] as? Date ?? .distantPast)
        }
        return states
    }

    static func state(of path: String) -> FileState? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return FileState(size: (attributes[.size] as? NSNumber)?.int64Value ?? 0, modified: attributes[.modificationDate] as? Date ?? .distantPast)
    }

    static func isSafe(_ relative: String) -> Bool {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        return !relative.isEmpty && !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }
}
