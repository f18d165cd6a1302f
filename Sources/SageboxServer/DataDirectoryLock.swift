import Foundation

/// Holds `<data dir>/sagebox.lock` for the life of the server. A second server on the same data directory would
/// take the first one's in-flight uploads for crash leftovers and sweep them at start, so it refuses to start.
final class DataDirectoryLock {
    private let fd: Int32

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/sagebox.lock"
        // Close-on-exec: a training job's processes must not inherit the lock and keep it after the server is gone.
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Refused(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw Refused(
                description: "another sagebox server\(holder.isEmpty ? "" : " (pid \(holder))") is using the data directory \(directory); "
                    + "stop it, or give this one its own --data-dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }
}
