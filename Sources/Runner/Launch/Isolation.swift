import Foundation
import Subprocess

#if !os(Linux)
#error("Sagebox runs on Linux only: jobs need mount namespaces, cgroups and /proc.")
#endif

/// How a job's processes are isolated: a private mount namespace with the tree at `/opt/ml`, or, where
/// namespaces are unavailable (not root, or a restricted container), no isolation with the tree elsewhere.
public enum Isolation: Sendable, Equatable {
    case mountNamespace
    case none(reason: String)

    /// Probes once: creates `/opt/ml` as a mount point and checks that `unshare` can make a private mount namespace.
    public static func detect() async -> Isolation {
        do {
            try FileManager.default.createDirectory(atPath: "/opt/ml", withIntermediateDirectories: true)
        } catch {
            return .none(reason: "cannot create /opt/ml (\(error.localizedDescription))")
        }
        do {
            let result = try await Subprocess.run(
                .name("unshare"), arguments: ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", "mount --bind /opt/ml /opt/ml"],
                output: .discarded, error: .string(limit: 4096))
            if result.terminationStatus.isSuccess { return .mountNamespace }
            return .none(reason: "unshare failed: \(result.standardError)".trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .none(reason: "unshare is not available (\(error))")
        }
    }

    public var visibleRoot: String? {
        if case .mountNamespace = self { return "/opt/ml" }
        return nil
    }
}
