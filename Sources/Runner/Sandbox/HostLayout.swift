import Foundation

/// One host's `/opt/ml` tree on disk. Inside the job's mount namespace it is bind-mounted at `/opt/ml`, so
/// scripts see the real paths; without namespaces the job sees it at `root` and the SM_* paths point there.
public struct HostLayout: Sendable {
    /// The folder on disk that holds the tree.
    public let root: String
    /// Where the job's processes see the tree: `/opt/ml`, or `root` when running without a namespace.
    public let visibleRoot: String

    public init(root: String, visibleRoot: String) {
        self.root = root
        self.visibleRoot = visibleRoot
    }

    public var configDirectory: String { root + "/input/config" }
    public var dataDirectory: String { root + "/input/data" }
    public var codeDirectory: String { root + "/code" }
    public var modelDirectory: String { root + "/model" }
    public var outputDirectory: String { root + "/output" }
    public var outputDataDirectory: String { root + "/output/data" }
    public var failureFile: String { root + "/output/failure" }

    public func channelDirectory(_ channel: String) -> String { dataDirectory + "/" + channel }

    /// Maps a path as the job sees it (e.g. `/opt/ml/checkpoints`) to the disk, or nil when it is outside the tree.
    public func diskPath(forVisible path: String) -> String? {
        guard path == visibleRoot || path.hasPrefix(visibleRoot + "/") else { return nil }
        return root + path.dropFirst(visibleRoot.count)
    }

    /// Creates the standard folders of the tree.
    public func create() throws {
        for folder in [configDirectory, dataDirectory, codeDirectory, modelDirectory, outputDataDirectory, root + "/output/intermediate"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Writes `input/config/<name>` atomically.
    public func writeConfig(_ name: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: configDirectory + "/" + name), options: .atomic)
    }
}
