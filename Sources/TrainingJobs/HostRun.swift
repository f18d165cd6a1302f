import Checkpoints
import Runner

/// One host of one attempt of a job: its tree and its checkpoint mirror.
struct HostRun: Sendable {
    let index: Int
    let layout: HostLayout
    let checkpoints: CheckpointSync?
    var name: String { "algo-\(index)" }
}
