/// What a running job's execution may do to the job's record: change it (each change is persisted), and say that
/// the run is over. The registry that owns the records (`JobController`) is the only implementation.
protocol JobRecords: Sendable {
    func update(_ name: String, _ change: @Sendable (inout TrainingJob) -> Void) async
    func finished(_ name: String) async
}
