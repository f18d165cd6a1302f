import AWSWire
import CloudWatchLogs
import CloudWatchMetrics
import Foundation
import Logging
import ObjectStore
import Runner

/// The registry of training jobs and their persistence: creates, lists and describes jobs, records every change,
/// and forwards stops and interruptions to the run object of a running job. A job's execution (`TrainingExecution`)
/// owns its run; the registry only holds the run as a handle.
public actor JobController: JobRecords {
    let settings: JobSettings
    let store: JobStore
    let executor: JobExecutor
    let logger: Logger
    private var jobs: [String: TrainingJob] = [:]
    private var order: [String] = []
    private var runs: [String: JobRun] = [:]

    public init(
        settings: JobSettings, objects: ObjectStore, logs: LogStore, metrics: MetricStore, specs: ContainerSpecCatalog, gpus: GPUAllocator,
        isolation: Isolation, containment: Containment, logger: Logger
    ) async throws {
        self.settings = settings
        self.logger = logger
        store = try JobStore(path: settings.databasePath)
        try EmbeddedEmulation.install(into: settings.emulationDirectory)
        executor = JobExecutor(
            settings: settings, objects: objects, logs: logs, metrics: metrics, specs: specs, gpus: gpus, isolation: isolation,
            containment: containment, logger: logger)
        for var job in try store.loadAll() {
            // A job cannot outlive its server: whatever was running is over, and must say so rather than stay InProgress.
            if !job.status.isTerminal {
                // Its processes outlived the server that ran them; they must not keep writing or holding GPUs, and its
                // tree (copies of its channels) must not fill the disk.
                let killed = await executor.killLeftovers(of: job)
                if killed > 0 { logger.warning("killed \(killed) leftover process(es) of training job \(job.name)") }
                await executor.removeNetwork(of: job)
                if !settings.keepJobFiles { await executor.remove(settings.jobsDirectory + "/" + job.name) }
                job.fail(.internalError("the Sagebox server stopped while the job was running."))
                try store.save(job)
            }
            jobs[job.name] = job
            order.append(job.name)
        }
    }

    public func arn(for name: String) -> String {
        "arn:aws:sagemaker:\(settings.region):\(settings.accountId):training-job/\(name.lowercased())"
    }

    /// Records a new job and starts its execution.
    public func create(name: String, spec: TrainingJobSpec, tags: [(String, String)]) throws -> TrainingJob {
        if let existing = jobs.keys.first(where: { $0.lowercased() == name.lowercased() }) {
            throw AWSError(
                code: "ResourceInUse",
                message: "Training job names must be unique within an AWS account and region, and a training job with this name already exists (\(arn(for: existing)))",
                status: 400)
        }
        var job = TrainingJob(name: name, arn: arn(for: name), spec: spec, now: Date())
        job.setTags(tags)
        try store.save(job)
        jobs[name] = job
        order.append(name)
        let run = JobRun(settings: .init(stopGraceSeconds: settings.stopGraceSeconds, sigtermToAll: settings.sigtermToScript)) { [weak self] _ in
            await self?.markStopping(name)
        }
        runs[name] = run
        executor.start(job, run: run, records: self)
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

    /// StopTrainingJob: Stopping at once, then the run brings the processes down (SIGTERM, SIGKILL after the grace).
    public func stop(_ name: String) async throws {
        guard let job = jobs[name] else { throw Self.notFound }
        guard job.status == .inProgress else {
            throw AWSError.validation("The request was rejected because the training job is in status \(job.status.rawValue).")
        }
        if let run = runs[name] {
            await run.requestStop(.requested)
        } else {
            markStopping(name)
        }
    }

    /// What a run does when it accepts a stop, whatever asked for it (a request, a deadline).
    private func markStopping(_ name: String) {
        update(name) { job in
            guard job.status == .inProgress else { return }
            job.transition(.stopping, "Stopping the training job", status: .stopping)
        }
    }

    /// Simulates a spot interruption of a job in Training: its processes are brought down as for a stop, then
    /// the execution restarts it from scratch with its checkpoints.
    public func interrupt(_ name: String) async throws {
        guard let job = jobs[name] else { throw Self.notFound }
        guard job.spec.managedSpot else {
            throw AWSError.validation("Training job \(name) does not use managed spot training, so it cannot be interrupted.")
        }
        do {
            guard let run = runs[name] else { throw JobRun.InterruptRefusal.notRunning(.finished) }
            try await run.requestInterrupt()
        } catch {
            let job = jobs[name] ?? job
            throw AWSError(
                code: "ConflictException",
                message: "Training job \(name) is \(job.status.rawValue) - \(job.secondaryStatus.rawValue); only a job in Training can be interrupted.",
                status: 409)
        }
    }

    public func setSpotCapacity(available: Bool) async {
        await executor.spotCapacity.set(available)
    }

    public func addTags(arn: String, _ tags: [(String, String)]) throws {
        let name = try job(arn: arn).name
        update(name) { $0.setTags(tags) }
    }

    public func deleteTags(arn: String, _ keys: [String]) throws {
        let name = try job(arn: arn).name
        update(name) { $0.removeTags(keys) }
    }

    // MARK: JobRecords

    func update(_ name: String, _ change: @Sendable (inout TrainingJob) -> Void) {
        guard var job = jobs[name] else { return }
        change(&job)
        jobs[name] = job
        do {
            try store.save(job)
        } catch {
            logger.error("cannot persist training job \(job.name): \(error)")
        }
    }

    func finished(_ name: String) {
        runs[name] = nil
    }
}
