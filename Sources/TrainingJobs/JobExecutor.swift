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
    /// Subnets for multi-host jobs' networks; nil when the configured range is unusable (multi-host jobs then fail).
    let subnets: SubnetPool?
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
        subnets = try? SubnetPool(range: settings.hostNetworkRange)
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

    /// The network of a multi-host job; it needs mount namespaces (root), since its hosts join theirs.
    func openNetwork(for job: TrainingJob) async throws -> OpenJobNetwork? {
        guard job.spec.instanceCount > 1, let token = job.processToken else { return nil }
        guard case .mountNamespace = isolation else {
            throw JobFailure.client(
                "Sagebox runs the \(job.spec.instanceCount) hosts of a multi-host job in network namespaces of their own, which needs root and namespaces; this server runs jobs without them. Run Sagebox as root, or use InstanceCount 1.")
        }
        guard let subnets, let server = URL(string: settings.endpoint.url) else {
            throw JobFailure.client("the host network range \(settings.hostNetworkRange) is not A.B.0.0/16 (sagebox serve --host-network-range).")
        }
        do {
            return try await OpenJobNetwork.open(token: token, hosts: job.spec.hostNames, pool: subnets, server: server)
        } catch {
            throw JobFailure.internalError("cannot make the network of the job's hosts: \(error)")
        }
    }

    /// Removes the network a job a crashed server left running may still have.
    func removeNetwork(of job: TrainingJob) async {
        guard job.spec.instanceCount > 1, let token = job.processToken else { return }
        await JobNetwork(token: token, hostNames: job.spec.hostNames, prefix: (0, 0), slot: 0).destroy()
    }

    /// Deletes a job's tree (it holds copies of the channels) on the I/O pool.
    func remove(_ directory: String) async {
        _ = try? await io.run { try FileManager.default.removeItem(atPath: directory) }
    }
}
