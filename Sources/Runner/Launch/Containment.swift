import Foundation

/// How a job's processes are held together, so that ending the job ends every process it started, whatever those
/// did to their environment, session, process group or file descriptors: each host launch runs in a cgroup v2 group
/// of its own, and ending it writes `cgroup.kill` (the kernel kills every member, forks in flight included). Where
/// no writable cgroup v2 hierarchy with `cgroup.kill` exists (not root, kernels before 5.14, a restricted
/// container), processes are found by the environment marker every job process inherits — a daemon that clears
/// its environment escapes that, which the start-up warning and the README say.
public enum Containment: Sendable, Equatable {
    /// Groups live under `root` (`<cgroup2 mount>/sagebox`).
    case cgroups(root: String)
    case environmentMarker(reason: String)

    /// Finds the cgroup v2 mount (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on hybrid systems) and checks that a
    /// group made under it can be killed whole.
    public static func detect() -> Containment {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
            return .environmentMarker(reason: "/proc/self/mounts is not readable")
        }
        let mount = mounts.split(separator: "\n").map { $0.split(separator: " ") }.first { $0.count > 2 && $0[2] == "cgroup2" }
        guard let mount else { return .environmentMarker(reason: "no cgroup v2 hierarchy is mounted") }
        let root = String(mount[1]) + "/sagebox"
        let manager = FileManager.default
        if !manager.fileExists(atPath: root) {
            do {
                try manager.createDirectory(atPath: root, withIntermediateDirectories: false)
            } catch {
                return .environmentMarker(reason: "cannot create \(root): \(error.localizedDescription)")
            }
        }
        guard access(root + "/cgroup.kill", W_OK) == 0, access(root + "/cgroup.procs", W_OK) == 0 else {
            return .environmentMarker(reason: "\(root) has no writable cgroup.kill (cgroup v2 on Linux 5.14 or later, as root)")
        }
        return .cgroups(root: root)
    }

    /// What holds the processes of one host of a job: its group `<root>/<job token>/<host>`, or without cgroups
    /// the environment entry `SAGEBOX_HOST_TOKEN=<job token>/<host>` its processes inherit.
    public func processes(ofJob token: String, host: String) -> HostProcesses {
        switch self {
        case .cgroups(let root): .group(ProcessGroupCell(path: root + "/" + token + "/" + host))
        case .environmentMarker: .marked(name: "SAGEBOX_HOST_TOKEN", value: token + "/" + host)
        }
    }

    /// Kills whatever is left of a job (every group under its token) and removes its groups: at the end of every
    /// attempt, and at start-up for jobs a crashed server left running. Returns how many processes were killed.
    @discardableResult
    public func killAll(job token: String, marker: String) -> Int {
        switch self {
        case .cgroups(let root):
            let jobFolder = root + "/" + token
            let names = (try? FileManager.default.contentsOfDirectory(atPath: jobFolder)) ?? []
            let cells = names.map { ProcessGroupCell(path: jobFolder + "/" + $0) }.filter(\.exists)
            let killed = cells.reduce(0) { $0 + $1.kill() }
            for cell in cells { cell.remove() }
            rmdir(jobFolder)
            return killed
        case .environmentMarker:
            return ProcessSweeper.kill(environmentEntry: marker)
        }
    }
}

/// The processes of one host of a job, as its containment finds them.
public enum HostProcesses: Sendable, Equatable {
    case group(ProcessGroupCell)
    /// Processes whose environment holds `name=value`.
    case marked(name: String, value: String)

    public var group: ProcessGroupCell? {
        if case .group(let cell) = self { return cell }
        return nil
    }

    /// The variable to put in the processes' environment, for marked processes.
    public var environmentEntry: (name: String, value: String)? {
        if case .marked(let name, let value) = self { return (name, value) }
        return nil
    }

    /// Whether any process is left. Reads /proc or the cgroup: call it off the request threads.
    public func anyLeft() -> Bool {
        switch self {
        case .group(let cell): !cell.isEmpty
        case .marked(let name, let value): !ProcessSweeper.processes(withEnvironmentEntry: name + "=" + value).isEmpty
        }
    }

    /// SIGKILLs every process left; returns how many.
    @discardableResult
    public func killAll() -> Int {
        switch self {
        case .group(let cell): cell.kill()
        case .marked(let name, let value): ProcessSweeper.kill(environmentEntry: name + "=" + value)
        }
    }
}

/// One cgroup v2 group holding the processes of one host launch.
public struct ProcessGroupCell: Sendable, Equatable {
    public let path: String

    var exists: Bool { FileManager.default.fileExists(atPath: path + "/cgroup.procs") }

    public func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The processes in the group now.
    public var members: [Int32] {
        let text = (try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    public var isEmpty: Bool { members.isEmpty }

    /// SIGKILLs every member at once; returns how many there were.
    @discardableResult
    public func kill() -> Int {
        let count = members.count
        guard count > 0 else { return 0 }
        let fd = open(path + "/cgroup.kill", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        _ = write(fd, "1", 1)
        return count
    }

    /// Removes the group once its members are gone (a killed process leaves it as soon as it is reaped).
    public func remove() {
        for _ in 0..<100 where rmdir(path) != 0 && errno == EBUSY {
            usleep(10_000)
        }
    }
}
