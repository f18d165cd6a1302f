import AWSWire
import CloudWatchLogs
import CloudWatchMetrics
import Foundation
import Logging
import ObjectStore
import Runner

/// Owns every training job's state: creates, lists, describes and stops jobs, persists each change, and starts
/// an execution for each new job.
public actor JobController {
    /// Why a running job is being brought down.
    public enum StopReason: Sendable, Equatable {
        case requested
        case maxRuntime
        case maxWait
    }

    /// A process of a running job, and whether a stop delivers SIGTERM to it.
    struct JobProcess {
        let handle: ProcessLauncher.Handle
        /// False for entry points the training toolkit launches: the toolkit (PID 1 in the real container) does not
        /// forward SIGTERM, so the script only ever sees the SIGKILL at the end of the grace period.
        let receivesSIGTERM: Bool
    }

    /// The live handles of a running job.
    final class RunControl {
        var processes: [JobProcess] = []
        var stopReason: StopReason?
        var interruptRequested = false
        /// When the grace period of the current stop or interruption ends.
        var killDeadline: Date?
        /// The wait for GPUs while the job is queued for them; a stop cancels it.
        var gpuWait: Task<[Int], Never>?
    }

    let settings: JobSettings
    let store: JobStore
    let executor: JobExecutor
    let logger: Logger
    private var jobs: [String: TrainingJob] = [:]
    private var order: [String] = []
    private var runs: [String: RunControl] = [:]
    /// Whether spot capacity is available; while it is not, spot jobs wait in Starting.
    public private(set) var spotCapacityAvailable = true

    public init(
        settings: JobSettings, objects: ObjectStore, logs: LogStore, metrics: MetricStore, specs: ContainerSpecCatalog, gpus: GPUAllocator,
        isolation: Isolation, logger: Logger
    ) throws {
        self.settings = settings
        self.logger = logger
        store = try JobStore(path: settings.databasePath)
        executor = JobExecutor(
            settings: settings, objects: objects, logs: logs, metrics: metrics, specs: specs, gpus: gpus, isolation: isolation, logger: logger)
        for var job in try store.loadAll() {
            // A job cannot outlive its server: whatever was running is over, and must say so rather than stay InProgress.
            if !job.status.isTerminal {
                // Its processes outlived the server that ran them; they must not keep writing or holding GPUs.
                let killed = job.processMarker.map { ProcessSweeper.kill(environmentEntry: $0) } ?? 0
                if killed > 0 { logger.warning("killed \(killed) leftover process(es) of training job \(job.name)") }
                job.failureReason = "InternalServerError: the Sagebox server stopped while the job was running."
                job.transition(.failed, "Training job failed", status: .failed)
                try store.save(job)
            }
            jobs[job.name] = job
            order.append(job.name)
        }
    }

    public func arn(for name: String) -> String {
        "arn:aws:sagemaker:\(settings.region):\(settings.accountId):training-job/\(name.lowercased())"
    }

    /// Records a new job and starts it.
    public func create(name: String, request: JSONValue, tags: [(String, String)]) throws -> TrainingJob {
        if let existing = jobs.keys.first(where: { $0.lowercased() == name.lowercased() }) {
            throw AWSError(
                code: "ResourceInUse",
                message: "Training job names must be unique within an AWS account and region, and a training job with this name already exists (\(arn(for: existing)))",
                status: 400)
        }
        var job = TrainingJob(name: name, arn: arn(for: name), request: request, now: Date())
        job.setTags(tags)
        try store.save(job)
        jobs[name] = job
        order.append(name)
        let control = RunControl()
        runs[name] = control
        let executor = self.executor
        Task { await executor.run(job, controller: self) }
        return job
    }

    public func job(_ name: String) throws -> TrainingJob {
        guard let job = jobs[name] else { throw Self.notFound }
        return job
    }

    public func job(arn: String) throws -> TrainingJob {
        guard let job = jobs.values.first(where: { $0.arn == arn }) else { throw Self.notFound }
        return job
    }

    public func allJobs() -> [TrainingJob] {
        order.compactMap { jobs[$0] }
    }

    /// SageMaker answers a missing job with ValidationException, not the modelled ResourceNotFound.
    static let notFound = AWSError.validation("Requested resource not found.")

    /// Stops a job: Stopping at once, then SIGTERM to its processes, SIGKILL after the grace period.
    public func stop(_ name: String, reason: StopReason = .requested) throws {
        guard var job = jobs[name] else { throw Self.notFound }
        guard job.status == .inProgress else {
            if reason != .requested { return }
            throw AWSError.validation("The request was rejected because the training job is in status \(job.status.rawValue).")
        }
        job.transition(.stopping, "Stopping the training job", status: .stopping)
        save(job)
        guard let control = runs[name] else { return }
        control.stopReason = reason
        control.gpuWait?.cancel()
        bringDown(control)
    }

    /// Takes `count` GPUs for the job, waiting while they are busy; a job stopped while it waits gets none.
    func acquireGPUs(_ count: Int, from gpus: GPUAllocator, for name: String) async -> [Int] {
        let wait = Task { await gpus.acquire(count) }
        if let control = runs[name] {
            control.gpuWait = wait
            if control.stopReason != nil { wait.cancel() }
        }
        let granted = await wait.value
        runs[name]?.gpuWait = nil
        return granted
    }

    /// Simulates a spot interruption of a job in Training: its processes are brought down as for a stop, then
    /// the executor restarts it from scratch with its checkpoints.
    public func interrupt(_ name: String) throws {
        guard let job = jobs[name] else { throw Self.notFound }
        guard TrainingJobSpec(job.request).managedSpot else {
            throw AWSError.validation("Training job \(name) does not use managed spot training, so it cannot be interrupted.")
        }
        guard job.status == .inProgress, job.secondaryStatus == .training, let control = runs[name], !control.interruptRequested else {
            throw AWSError(
                code: "ConflictException",
                message: "Training job \(name) is \(job.status.rawValue) - \(job.secondaryStatus.rawValue); only a job in Training can be interrupted.",
                status: 409)
        }
        control.interruptRequested = true
        bringDown(control)
    }

    public func setSpotCapacity(available: Bool) {
        spotCapacityAvailable = available
    }

    /// SIGTERM to the processes that would receive it, SIGKILL to every process after the grace period.
    private func bringDown(_ control: RunControl) {
        for process in control.processes where process.receivesSIGTERM || settings.sigtermToScript {
            process.handle.signal(SIGTERM)
        }
        let processes = control.processes
        let grace = settings.stopGraceSeconds
        control.killDeadline = Date().addingTimeInterval(grace)
        Task {
            try? await Task.sleep(for: .seconds(grace))
            for process in processes { process.handle.signal(SIGKILL) }
        }
    }

    public func addTags(arn: String, _ tags: [(String, String)]) throws {
        var job = try job(arn: arn)
        job.setTags(tags)
        save(job)
    }

    public func deleteTags(arn: String, _ keys: [String]) throws {
        var job = try job(arn: arn)
        job.removeTags(keys)
        save(job)
    }

    // MARK: Called by the executor

    func update(_ name: String, _ change: (inout TrainingJob) -> Void) {
        guard var job = jobs[name] else { return }
        change(&job)
        save(job)
    }

    func stopReason(_ name: String) -> StopReason? {
        runs[name]?.stopReason
    }

    /// Registers a started process; one started after a stop or an interruption was requested is killed at once.
    func register(_ handle: ProcessLauncher.Handle, receivesSIGTERM: Bool, for name: String) {
        guard let control = runs[name] else { return }
        control.processes.append(JobProcess(handle: handle, receivesSIGTERM: receivesSIGTERM))
        if control.stopReason != nil || control.interruptRequested { handle.signal(SIGKILL) }
    }

    /// Whether the attempt that just ended was interrupted; clears the request and the attempt's processes.
    func takeInterruption(_ name: String) -> Bool {
        guard let control = runs[name] else { return false }
        defer {
            control.interruptRequested = false
            control.processes = []
            control.killDeadline = nil
        }
        return control.interruptRequested
    }

    /// The end of the grace period when the job is being brought down, else nil.
    func killDeadline(_ name: String) -> Date? {
        runs[name]?.killDeadline
    }

    func finished(_ name: String) {
        runs[name] = nil
    }

    private func save(_ job: TrainingJob) {
        jobs[job.name] = job
        do {
            try store.save(job)
        } catch {
            logger.error("cannot persist training job \(job.name): \(error)")
        }
    }
}
