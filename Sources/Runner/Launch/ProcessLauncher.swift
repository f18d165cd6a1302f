import Foundation
import Subprocess

/// Starts a job's process in its own process group (so every child it forks can be signalled together) and, where
/// there are cgroups, in its host's group (so every descendant can be killed, whatever it did), inside the host's
/// mount namespace when there is one, and streams its stdout and stderr line by line.
public struct ProcessLauncher: Sendable {
    public let isolation: Isolation

    public init(isolation: Isolation) {
        self.isolation = isolation
    }

    public struct Launch: Sendable {
        public var command: [String]
        public var environment: [String: String]
        /// As the job sees it.
        public var workingDirectory: String
        public var layout: HostLayout
        /// The cgroup the process enters before it runs anything; nil without cgroups.
        public var group: ProcessGroupCell?
        /// Who the host is (name, /etc/hosts, network namespace); used with mount namespaces only.
        public var identity: HostIdentity?

        public init(
            command: [String], environment: [String: String], workingDirectory: String, layout: HostLayout, group: ProcessGroupCell?,
            identity: HostIdentity? = nil
        ) {
            self.command = command
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.layout = layout
            self.group = group
            self.identity = identity
        }
    }

    /// A host as its processes see it: `hostname` (a UTS namespace of its own), `/etc/hosts` (a file bind-mounted
    /// over it), and for the hosts of a multi-host job the network namespace it joins.
    public struct HostIdentity: Sendable {
        public var hostname: String
        /// The file on disk that becomes the host's `/etc/hosts`.
        public var hostsFile: String
        public var networkNamespace: String?

        public init(hostname: String, hostsFile: String, networkNamespace: String?) {
            self.hostname = hostname
            self.hostsFile = hostsFile
            self.networkNamespace = networkNamespace
        }
    }

    /// The running process, for signals.
    public struct Handle: RunningProcess {
        public let pid: Int32
        public let group: ProcessGroupCell?

        /// Signals the whole process group; a SIGKILL also kills everything in the cgroup, processes that left the
        /// group included. A group that is already gone is not an error.
        public func signal(_ signal: Int32) {
            kill(-pid, signal)
            if signal == SIGKILL { group?.kill() }
        }
    }

    /// How the process ended: its exit code, or the signal that killed it.
    public enum Outcome: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code a shell reports (128 + signal for a signal), as SageMaker's "Exit Code" does.
        public var code: Int32 {
            switch self {
            case .exited(let code): return code
            case .signalled(let signal): return 128 + signal
            }
        }
    }

    /// Runs the launch to completion. `started` receives the handle as soon as the process exists; `line` receives
    /// every output line, stdout and stderr interleaved as written. The output is read to its end — children that
    /// outlive the main process keep writing into the log — and `afterExit` runs between the main process's exit
    /// and that end: it must see to it that no writer is left (the executor kills the host's stragglers there).
    public func run(
        _ launch: Launch, started: @Sendable (Handle) async -> Void, line: @escaping @Sendable (String) async -> Void,
        afterExit: @Sendable () async -> Void = {}
    ) async throws -> Outcome {
        // A shell prologue joins the cgroup and, in a mount namespace, binds the tree over /opt/ml, then becomes the
        // job's command: nothing of the command runs outside its group.
        var prologue: [String] = []
        var parameters: [String] = []
        if let group = launch.group {
            try group.create()
            prologue.append("echo $$ > \"$\(parameters.count)\"")
            parameters.append(group.path + "/cgroup.procs")
        }
        let identity = isolation == .mountNamespace ? launch.identity : nil
        if let identity {
            prologue.append("printf %s \"$\(parameters.count)\" > /proc/sys/kernel/hostname")
            parameters.append(identity.hostname)
            prologue.append("mount --bind \"$\(parameters.count)\" /etc/hosts")
            parameters.append(identity.hostsFile)
        }
        if isolation == .mountNamespace {
            prologue.append("mount --bind \"$\(parameters.count)\" /opt/ml")
            parameters.append(launch.layout.root)
        }
        prologue.append("cd \"$\(parameters.count)\"")
        parameters.append(launch.workingDirectory)
        let script = prologue.joined(separator: " && ") + " && shift \(parameters.count - 1) && exec \"$@\""
        let shell = ["/bin/sh", "-c", script] + parameters + launch.command
        var wrapped = shell
        if isolation == .mountNamespace {
            wrapped = ["unshare", "--mount"] + (identity != nil ? ["--uts"] : []) + ["--propagation", "private", "--"] + shell
            if let namespace = identity?.networkNamespace { wrapped = ["nsenter", "--net=/run/netns/" + namespace, "--"] + wrapped }
        }
        let (executable, arguments) = (wrapped[0], Array(wrapped.dropFirst()))
        var options = PlatformOptions()
        options.processGroupID = 0
        let configuration = Configuration(
            executable: executable.hasPrefix("/") ? .path(.init(executable)) : .name(executable),
            arguments: .init(arguments),
            environment: .custom(Dictionary(uniqueKeysWithValues: launch.environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
            workingDirectory: nil,
            platformOptions: options)
        // Our own pipe, read on a thread of its own until every writer is gone, not only the main process.
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw LaunchError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        // Neither end may leak into another job's process (the write end would hold this pipe open).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let lines = OutputLines(fd: ends[0])
        lines.start()
        let reader = Task { for await text in lines.stream { await line(text) } }
        let result: ExecutionResult<Void, FileDescriptorOutput, CombinedErrorOutput>
        do {
            result = try await Subprocess.run(
                configuration, input: .none, output: .fileDescriptor(.init(rawValue: ends[1]), closeAfterSpawningProcess: true),
                error: .combinedWithOutput
            ) { execution in
                await started(Handle(pid: execution.processIdentifier.value, group: launch.group))
            }
        } catch {
            // Subprocess closes the write end when the spawn fails, which ends the reader.
            await reader.value
            throw error
        }
        await afterExit()
        await reader.value
        switch result.terminationStatus {
        case .exited(let code): return .exited(code)
        case .signaled(let signal): return .signalled(signal)
        }
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Splits what a pipe delivers into lines, read with blocking reads on a dedicated thread.
final class OutputLines: Sendable {
    let fd: Int32
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init(fd: Int32) {
        self.fd = fd
        (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    func start() {
        let (fd, continuation) = (self.fd, self.continuation)
        Thread.detachNewThread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                // Lines are cut out by index and the consumed bytes dropped once per read, not once per line.
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    var text = pending[start..<newline]
                    if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
                    continuation.yield(String(decoding: text, as: UTF8.self))
                    start = newline + 1
                }
                pending.removeSubrange(..<start)
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            close(fd)
            continuation.finish()
        }
    }
}
