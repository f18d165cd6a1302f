import CloudWatchLogs
import CloudWatchMetrics
import Foundation
import Logging
import ObjectStore
import Runner

/// What every job's execution shares: the stores, the container specs, the GPUs, isolation, the Python
/// environments and the I/O pool. `start` hands a new job to a `TrainingExecution` of its own.
struct JobExecutor: Sendable {
    let settings: JobSettings
    let objects: ObjectStore
    let logs: LogStore
    let metrics: MetricStore
    let specs: ContainerSpecCatalog
    let gpus: GPUAllocator
    let isolation: Isolation
    let containment: Containment
    let environments: PythonEnvironments
    /// Whether spot capacity is available; while it is not, spot jobs wait in Starting.
    let spotCapacity = WaitableFlag(true)
    /// libarchive and whole-file copies block their thread: they run here, off the cooperative executor.
    let io = BlockingIO(threads: 2)
    let logger: Logger

    init(
        settings: JobSettings, objects: ObjectStore, logs: LogStore, metrics: MetricStore, specs: ContainerSpecCatalog, gpus: GPUAllocator,
        isolation: Isolation, containment: Containment, logger: Logger
    ) {
        self.settings = settings
        self.objects = objects
        self.logs = logs
        self.metrics = metrics
        self.specs = specs
        self.gpus = gpus
        self.isolation = isolation
        self.containment = containment
        self.logger = logger
        environments = PythonEnvironments(directory: settings.environmentsDirectory)
    }

    func start(_ job: TrainingJob, run: JobRun, records: any JobRecords) {
        let execution = TrainingExecution(job: job, run: run, records: records, services: self)
        Task { await execution.execute() }
    }

    /// Kills whatever is left of the job's processes (at the end of an attempt, or of a job a crashed server left
    /// running). Finding them reads cgroups or /proc, so it runs on the I/O pool.
    @discardableResult
    func killLeftovers(of job: TrainingJob) async -> Int {
        guard let token = job.processToken, let marker = job.processMarker else { return 0 }
        let containment = self.containment
        return (try? await io.run { containment.killAll(job: token, marker: marker) }) ?? 0
    }

    /// Deletes a job's tree (it holds copies of the channels) on the I/O pool.
    func remove(_ directory: String) async {
        _ = try? await io.run { try FileManager.default.removeItem(atPath: directory) }
    }
}
