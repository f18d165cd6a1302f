import Foundation

/// Finds a job's processes by the environment they inherit (every process of a job carries `SAGEBOX_JOB_TOKEN`, and
/// of a host `SAGEBOX_HOST_TOKEN`), including any that left the job's process group, and kills them: the containment
/// used where there are no cgroups (see `Containment`).
public enum ProcessSweeper {
    /// SIGKILLs every process whose environment holds `entry` (e.g. `SAGEBOX_JOB_TOKEN=…`); returns how many.
    @discardableResult
    public static func kill(environmentEntry entry: String) -> Int {
        processes(withEnvironmentEntry: entry).filter { Glibc.kill($0, SIGKILL) == 0 }.count
    }

    /// The processes whose environment holds `entry`.
    public static func processes(withEnvironmentEntry entry: String) -> [Int32] {
        let needle = Array(entry.utf8)
        let own = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = Int32(name), pid != own, let environ = FileManager.default.contents(atPath: "/proc/\(name)/environ"),
                environ.split(separator: 0).contains(where: { $0.elementsEqual(needle) })
            else { return nil }
            // A zombie has already exited; its parent just has not reaped it.
            let status = (try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8)) ?? ""
            if let close = status.lastIndex(of: ")"), status[status.index(after: close)...].hasPrefix(" Z") { return nil }
            return pid
        }
    }
}
