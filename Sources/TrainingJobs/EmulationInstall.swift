import Foundation

extension EmbeddedEmulation {
    /// Writes the emulation under `directory` (each file atomically, replacing what another version wrote), where
    /// jobs that need it find it on their PYTHONPATH.
    static func install(into directory: String) throws {
        let manager = FileManager.default
        for (path, contents) in files {
            let target = directory + "/" + path
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        }
    }
}
