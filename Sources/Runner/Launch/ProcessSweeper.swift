import Foundation

/// Finds a job's processes by the environment they inherit (every process of a job carries its
/// `TRAINING_JOB_ARN`), including any that left the job's process group, and kills them.
public enum ProcessSweeper {
    /// SIGKILLs every process whose environment holds `entry` (e.g. `TRAINING_JOB_ARN=arn:…`); returns how many.
    @discardableResult
    public static func kill(environmentEntry entry: String) -> Int {
        let needle = Array(entry.utf8)
        let own = getpid()
        var killed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != own,
                let environ = FileManager.default.contents(atPath: "/proc/\(name)/environ")
            else { continue }
            let matches = environ.split(separator: 0).contains { $0.elementsEqual(needle) }
            if matches, Glibc.kill(pid, SIGKILL) == 0 { killed += 1 }
        }
        return killed
    }
}
