import Checkpoints
import Runner

/// One host of one attempt of a job: its tree and its checkpoint mirror.
struct HostRun: Sendable {
    let index: Int
    let layout: HostLayout
    let checkpoints: CheckpointSync?
    var name: String { "algo-\(index)" }
}

/// One attempt of a job, as the run loop hands it over to be trained.
struct AttemptPlan: Sendable {
    let number: Int
    /// `<job>/attempt-N`: the hosts' trees and the attempt's own files (the hosts file, the pid files).
    let directory: String
    let hosts: [HostRun]
    let container: ContainerSpec
    /// The GPUs the job holds, and how many its instance type asks for per host.
    let gpus: [Int]
    let requestedGPUsPerHost: Int
    /// The job's network when its hosts have one.
    let network: JobNetwork?
    /// Seconds the job's processes ran in earlier attempts.
    let alreadyRan: Double
}

/// Everything one host's launch needs besides what the attempt shares: the host, its GPUs, its log stream.
struct HostLaunch: Sendable {
    let host: HostRun
    let gpus: [Int]
    let log: JobLog
}

/// What every host of one attempt shares.
struct AttemptContext: Sendable {
    let attempt: Int
    let container: ContainerSpec
    /// The interpreter `python`/`python3` name on the job's PATH.
    let python: String
    /// The folder of those shims.
    let binDirectory: String
    let parser: MetricParser
    let metrics: MetricRecorder
    /// How the entry point is launched across the hosts.
    let distribution: Distribution
    let hostNames: [String]
    /// The job's network when its hosts have one (multi-host jobs); nil when they share the machine's.
    let network: JobNetwork?
    /// The file bind-mounted over every host's /etc/hosts.
    let hostsFile: String
    /// Where each host's main process id is written, for mpirun's rsh agent to join its namespaces.
    let pidDirectory: String

    /// The interface the hosts talk over: `eth0` in a job network, loopback when sharing the machine's.
    var interface: String { network == nil ? "lo" : "eth0" }

    func identity(of host: HostRun) -> ProcessLauncher.HostIdentity {
        ProcessLauncher.HostIdentity(hostname: host.name, hostsFile: hostsFile, networkNamespace: network?.hosts[host.index - 1].namespace)
    }
}
