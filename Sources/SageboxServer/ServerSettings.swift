import Foundation
import Runner

/// Everything `sagebox serve` can be told.
public struct ServerSettings: Sendable {
    public static let defaultPort = 9700

    public var host = "127.0.0.1"
    public var port = ServerSettings.defaultPort
    public var dataDirectory: String
    public var region = "us-east-1"
    public var accountId = "123456789012"
    /// Access key id → secret. Empty: every well-formed request is accepted, whatever its keys.
    public var credentials: [String: String] = [:]
    /// Host names under which `<bucket>.<name>` addresses a bucket (virtual-host style).
    public var virtualHostDomains = ["localhost"]
    /// Whether object writes are fsynced before they are acknowledged.
    public var fsync = true
    /// Seconds between SIGTERM and SIGKILL when a job is stopped, times out or is interrupted.
    public var stopGraceSeconds: Double = 120
    public var gpuShortage: GPUShortagePolicy = .run
    /// Folders searched for container specs before the bundled ones.
    public var containerSpecFolders: [String] = []
    /// Run images no spec matches with the `generic` spec instead of rejecting the job.
    public var unknownImagesRunGeneric = false
    public var keepJobFiles = false
    public var sigtermToScript = false
    public var spotRestartDelaySeconds: Double = 10
    public var spotInterruptionRate: Double = 0
    public var seed: UInt64 = 0
    public var spotPriceRatio = 0.3
    public var spotCapacityAvailable = true
    /// The /16 that the hosts of multi-host jobs take their addresses from (a /24 per job).
    public var hostNetworkRange = "10.213.0.0/16"
    /// Seconds before an idle connection is closed; 0: never.
    public var idleTimeoutSeconds: Double = 120
    /// Seconds a client has to finish a request head it has begun; 0: no limit.
    public var headerReadTimeoutSeconds: Double = 30
    /// How the start-up line's `eval "$(… env …)"` names this program: a path when it was started by one.
    public var cliCommand = "sagebox"

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The defaults, for the options of `sagebox serve` to show and start from.
    public static let defaults = ServerSettings(dataDirectory: defaultDataDirectory)

    /// `$XDG_DATA_HOME/sagebox`, else `~/.local/share/sagebox`.
    public static var defaultDataDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/sagebox" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/sagebox"
    }
}
