import Foundation
import Runner
import Subprocess

/// The Python interpreters jobs run with: a spec's interpreter as found on PATH, or a virtual environment made
/// once per spec (seeing the interpreter's own packages), so `requirements.txt` installs stay out of the system.
actor PythonEnvironments {
    let directory: String
    /// One preparation per spec, shared by the jobs that start while it runs (two `venv` runs into one folder
    /// would break it); a failed one is forgotten so the next job tries again.
    private var preparations: [String: Task<String, Error>] = [:]

    init(directory: String) {
        self.directory = directory
    }

    /// The absolute path of the interpreter for jobs of `spec`.
    func interpreter(for spec: ContainerSpec) async throws -> String {
        if let preparation = preparations[spec.name] { return try await preparation.value }
        let directory = self.directory
        let preparation = Task { try await Self.prepare(spec, in: directory) }
        preparations[spec.name] = preparation
        do {
            return try await preparation.value
        } catch {
            preparations[spec.name] = nil
            throw error
        }
    }

    private static func prepare(_ spec: ContainerSpec, in directory: String) async throws -> String {
        guard let base = resolve(spec.interpreter) else {
            throw JobFailure.client(
                "the Python interpreter '\(spec.interpreter)' named by container spec \(spec.name) was not found on PATH.")
        }
        // Version-manager shims (pyenv, asdf) are scripts that cost ~80 ms per start: run the interpreter they name.
        guard spec.virtualenv == true else { return (try? await realExecutable(base)) ?? base }
        let environment = directory + "/" + spec.name
        let python = environment + "/bin/python"
        if !FileManager.default.isExecutableFile(atPath: python) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let result = try await Subprocess.run(
                .path(.init(base)), arguments: ["-m", "venv", "--system-site-packages", environment], output: .discarded,
                error: .string(limit: 64 * 1024))
            guard result.terminationStatus.isSuccess else {
                throw JobFailure.client(
                    "could not create the virtual environment for container spec \(spec.name): \(result.standardError)")
            }
        }
        return python
    }

    static func realExecutable(_ python: String) async throws -> String? {
        let result = try await Subprocess.run(
            .path(.init(python)), arguments: ["-c", "import sys; print(sys.executable)"], output: .string(limit: 4096), error: .discarded)
        let path = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return result.terminationStatus.isSuccess && path.hasPrefix("/") ? path : nil
    }

    /// An absolute path, or the first match on PATH.
    static func resolve(_ command: String) -> String? {
        if command.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
