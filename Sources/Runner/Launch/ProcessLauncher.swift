import Foundation
import Subprocess

/// Starts a job's process in its own process group (so every child it forks can be signalled together),
/// inside the host's mount namespace when there is one, and streams its stdout and stderr line by line.
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

        public init(command: [String], environment: [String: String], workingDirectory: String, layout: HostLayout) {
            self.command = command
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.layout = layout
        }
    }

    /// The running process, for signals.
    public struct Handle: Sendable {
        public let pid: Int32

        /// Signals the whole process group; a group that is already gone is not an error.
        public func signal(_ signal: Int32) {
            kill(-pid, signal)
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
    /// every output line, stdout and stderr interleaved as written.
    public func run(
        _ launch: Launch, started: @Sendable (Handle) async -> Void, line: @Sendable (String) async -> Void
    ) async throws -> Outcome {
        var arguments: [String]
        var executable: String
        switch isolation {
        case .mountNamespace:
            // sh binds the tree over /opt/ml inside the new namespace, then becomes the job's command.
            executable = "unshare"
            arguments = [
                "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "mount --bind \"$0\" /opt/ml && cd \"$1\" && shift && exec \"$@\"", launch.layout.root, launch.workingDirectory,
            ] + launch.command
        case .none:
            executable = launch.command[0]
            arguments = Array(launch.command.dropFirst())
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        let configuration = Configuration(
            executable: executable.hasPrefix("/") ? .path(.init(executable)) : .name(executable),
            arguments: .init(arguments),
            environment: .custom(Dictionary(uniqueKeysWithValues: launch.environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
            workingDirectory: isolation == .mountNamespace ? nil : .init(launch.workingDirectory),
            platformOptions: options)
        let result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .combinedWithOutput) { execution in
            await started(Handle(pid: execution.processIdentifier.value))
            for try await text in execution.standardOutput.strings() {
                await line(text)
            }
        }
        switch result.terminationStatus {
        case .exited(let code): return .exited(code)
        case .signaled(let signal): return .signalled(signal)
        }
    }
}
