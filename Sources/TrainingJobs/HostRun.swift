import Runner

/// One host of a job: its tree and, once training starts, its log stream.
struct HostRun: Sendable {
    let index: Int
    let layout: HostLayout
    var name: String { "algo-\(index)" }
}
