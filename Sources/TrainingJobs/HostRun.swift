import Checkpoints
import Runner

/// One host of one attempt of a job: its tree and its checkpoint mirror.
struct HostRun: Sendable {
    let index: Int
    let layout: HostLayout
    let checkpoints: CheckpointSync?
    var name: String { "algo-\(index)" }
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
}
