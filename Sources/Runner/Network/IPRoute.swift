import Foundation
import Subprocess

/// iproute2's `ip`, fed a batch of commands on standard input: one process for a whole set-up or tear-down.
enum IPRoute {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `lines` with `ip -batch -`, inside network namespace `namespace` when given (`ip -n`). With `force`, a
    /// failing line does not stop the rest (tear-down of something half made).
    static func batch(_ lines: [String], namespace: String? = nil, force: Bool = false) async throws {
        var arguments = namespace.map { ["-n", $0] } ?? []
        if force { arguments.append("-force") }
        arguments += ["-batch", "-"]
        let result = try await Subprocess.run(
            .name("ip"), arguments: .init(arguments), input: .string(lines.joined(separator: "\n") + "\n"), output: .discarded,
            error: .string(limit: 64 * 1024))
        guard result.terminationStatus.isSuccess || force else {
            throw Failure(description: "ip \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
    }
}
