import Foundation
import Runner
import Synchronization

/// The server's endpoint URL, known only once the listener is bound (the port may be chosen by the system).
public final class EndpointReference: Sendable {
    private let value: Mutex<String>

    public init(_ initial: String) {
        value = Mutex(initial)
    }

    public var url: String {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// The server settings that shape how jobs run.
public struct JobSettings: Sendable {
    public var dataDirectory: String
    /// The server's own endpoint, given to jobs as `AWS_ENDPOINT_URL` so boto3 inside a script talks to Sagebox.
    public var endpoint: EndpointReference
    public var region: String
    public var accountId: String
    public var accessKey: String
    public var secretKey: String
    /// Seconds between SIGTERM and SIGKILL when a job is stopped, times out or is interrupted.
    public var stopGraceSeconds: Double
    /// Keep each job's `/opt/ml` trees after it ends (for debugging) instead of deleting them.
    public var keepJobFiles: Bool
    /// Deliver SIGTERM to toolkit-launched scripts too (the real toolkit does not forward it), to test a handler.
    public var sigtermToScript: Bool
    /// Seconds a spot job waits for capacity after an interruption before it restarts.
    public var spotRestartDelaySeconds: Double
    /// Expected spot interruptions per hour of training, drawn from a generator seeded by `seed`, the job's name
    /// and the attempt number: the same seed gives the same interruption times.
    public var spotInterruptionRate: Double
    public var seed: UInt64
    /// Billable seconds of a spot job = training seconds × this ratio (so the SDK prints a realistic saving).
    public var spotPriceRatio: Double
    /// The /16 the hosts of multi-host jobs get their addresses from.
    public var hostNetworkRange: String

    /// Every value comes from the server's settings, whose defaults are the only ones.
    public init(
        dataDirectory: String, endpoint: EndpointReference, region: String, accountId: String, accessKey: String, secretKey: String,
        stopGraceSeconds: Double, keepJobFiles: Bool, sigtermToScript: Bool, spotRestartDelaySeconds: Double, spotInterruptionRate: Double,
        seed: UInt64, spotPriceRatio: Double, hostNetworkRange: String
    ) {
        self.hostNetworkRange = hostNetworkRange
        self.dataDirectory = dataDirectory
        self.endpoint = endpoint
        self.region = region
        self.accountId = accountId
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.stopGraceSeconds = stopGraceSeconds
        self.keepJobFiles = keepJobFiles
        self.sigtermToScript = sigtermToScript
        self.spotRestartDelaySeconds = spotRestartDelaySeconds
        self.spotInterruptionRate = spotInterruptionRate
        self.seed = seed
        self.spotPriceRatio = spotPriceRatio
    }

    var jobsDirectory: String { dataDirectory + "/sagemaker/jobs" }
    /// Sagebox's Python emulation of libraries that exist only in AWS's images (smdistributed), written at start-up.
    var emulationDirectory: String { dataDirectory + "/sagemaker/emulation" }
    var environmentsDirectory: String { dataDirectory + "/sagemaker/envs" }
    var databasePath: String { dataDirectory + "/sagemaker/jobs.sqlite" }
}
