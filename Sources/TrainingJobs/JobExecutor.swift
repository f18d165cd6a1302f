import AWSWire
import CloudWatchLogs
import CloudWatchMetrics
import Foundation
import Logging
import ObjectStore
import Runner

/// Runs one training job from Starting to its end: resources, inputs, the hosts' processes, artifacts, status.
struct JobExecutor: Sendable {
    let settings: JobSettings
    let objects: ObjectStore
    let logs: LogStore
    let metrics: MetricStore
    let specs: ContainerSpecCatalog
    let gpus: GPUAllocator
    let isolation: Isolation
    let environments: PythonEnvironments
    /// libarchive and whole-file copies block their thread: they run here, off the cooperative executor.
    let io = BlockingIO(threads: 2)
    let logger: Logger

    init(
        settings: JobSettings, objects: ObjectStore, logs: LogStore, metrics: MetricStore, specs: ContainerSpecCatalog, gpus: GPUAllocator,
        isolation: Isolation, logger: Logger
    ) {
        self.settings = settings
        self.objects = objects
        self.logs = logs
        self.metrics = metrics
        self.specs = specs
        self.gpus = gpus
        self.isolation = isolation
        self.logger = logger
        environments = PythonEnvironments(directory: settings.environmentsDirectory)
    }

    /// A failure the user caused or can fix; its text becomes the job's FailureReason.
    struct JobFailure: Error {
        let reason: String
    }

    func run(_ job: TrainingJob, controller: JobController) async {
        let spec = TrainingJobSpec(job.request)
        let jobDirectory = settings.jobsDirectory + "/" + job.name
        var gpuIndices: [Int] = []
        let maxWait = maxWaitWatch(job, spec: spec, controller: controller)
        do {
            let container = try resolveContainer(spec)
            let perHost = InstanceType.gpus(spec.instanceType)
            let grantedPerHost = try await gpus.grantable(perHost)
            gpuIndices = await controller.acquireGPUs(grantedPerHost * spec.instanceCount, from: gpus, for: job.name)
            var hosts: [HostRun] = []
            var failure: String? = nil
            var attempt = 0
            while await controller.stopReason(job.name) == nil {
                attempt += 1
                if attempt > 1 {
                    await controller.update(job.name) { $0.transition(.starting, "Starting the training job after a spot interruption") }
                }
                guard await waitForCapacity(job, spec: spec, attempt: attempt, controller: controller) else { break }
                await controller.update(job.name) { $0.transition(.downloading, "Downloading input data") }
                let attemptDirectory = jobDirectory + "/attempt-\(attempt)"
                hosts = try await prepareHosts(job, spec: spec, container: container, directory: attemptDirectory)
                // Stopped while downloading: nothing ran, the (empty) model is still uploaded.
                if await controller.stopReason(job.name) != nil { break }
                // The streams exist before the job says Training, so a client that sees Training finds them.
                var streams: [JobLog] = []
                for host in hosts { streams.append(try await JobLog(logs: logs, job: job.name, host: host.index)) }
                await controller.update(job.name) {
                    $0.trainingStartTime = $0.trainingStartTime ?? Date()
                    $0.transition(.training, "Training image download completed. Training in progress.")
                }
                failure = try await train(
                    job, spec: spec, container: container, hosts: hosts, logs: streams, gpus: gpuIndices, requestedGPUs: perHost,
                    attempt: attempt, controller: controller)
                guard await controller.takeInterruption(job.name), await controller.stopReason(job.name) == nil else { break }
                // The instance is lost: only the checkpoints (already synced) survive.
                await controller.update(job.name) { $0.transition(.interrupted, "Training job interrupted: the spot instance was reclaimed") }
                hosts = []
                failure = nil
                await remove(attemptDirectory)
                await sleep(settings.spotRestartDelaySeconds, unlessStopped: job.name, controller: controller)
            }
            await finish(job.name, spec: spec, hosts: hosts, failure: failure, controller: controller)
        } catch let failure as JobFailure {
            await fail(job.name, reason: failure.reason, controller: controller)
        } catch let shortage as GPUAllocator.Shortage {
            await fail(job.name, reason: "ClientError: \(shortage)", controller: controller)
        } catch {
            logger.error("training job \(job.name) failed inside Sagebox: \(error)")
            await fail(job.name, reason: "InternalServerError: \(error)", controller: controller)
        }
        maxWait?.cancel()
        await gpus.release(gpuIndices)
        if !settings.keepJobFiles { await remove(jobDirectory) }
        await controller.finished(job.name)
    }

    /// Deletes a job's tree (it holds copies of the channels) on the I/O pool.
    private func remove(_ directory: String) async {
        _ = try? await io.run { try FileManager.default.removeItem(atPath: directory) }
    }

    /// MaxWaitTimeInSeconds counts the whole job, waits included: past it, the job is stopped as MaxWaitTimeExceeded.
    private func maxWaitWatch(_ job: TrainingJob, spec: TrainingJobSpec, controller: JobController) -> Task<Void, Never>? {
        guard spec.managedSpot, let limit = spec.maxWaitSeconds else { return nil }
        let deadline = job.creationTime.addingTimeInterval(Double(limit))
        return Task {
            try? await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSinceNow)))
            if !Task.isCancelled { try? await controller.stop(job.name, reason: .maxWait) }
        }
    }

    /// Spot jobs wait in Starting while capacity is unavailable: server-wide (`/_sagebox/spot-capacity`) or, for the
    /// first attempt, for the seconds the job's `sagebox:capacity-unavailable-seconds` tag names. False when the job
    /// was stopped while waiting.
    private func waitForCapacity(_ job: TrainingJob, spec: TrainingJobSpec, attempt: Int, controller: JobController) async -> Bool {
        guard spec.managedSpot else { return await controller.stopReason(job.name) == nil }
        let tagged = attempt == 1 ? SpotSchedule(tags: job.tags).capacityUnavailableSeconds : nil
        let until = tagged.map { job.creationTime.addingTimeInterval($0) }
        var announced = false
        while await controller.stopReason(job.name) == nil {
            let available = await controller.spotCapacityAvailable && (until.map { Date() >= $0 } ?? true)
            if available { return true }
            if !announced {
                await controller.update(job.name) { $0.updateMessage("Insufficient capacity error from EC2 while launching instances, retrying!") }
                announced = true
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    private func sleep(_ seconds: Double, unlessStopped name: String, controller: JobController) async {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, await controller.stopReason(name) == nil {
            try? await Task.sleep(for: .milliseconds(min(200, max(1, Int(end.timeIntervalSinceNow * 1000)))))
        }
    }

    private func resolveContainer(_ spec: TrainingJobSpec) throws -> ContainerSpec {
        do {
            return try specs.spec(for: spec.image ?? "")
        } catch {
            throw JobFailure(reason: "ClientError: \(error)")
        }
    }

    /// Uploads artifacts and sets the end state: Completed, Failed (with `failure`) or Stopped when a stop was asked.
    private func finish(_ name: String, spec: TrainingJobSpec, hosts: [HostRun], failure: String? = nil, controller: JobController) async {
        let stopReason = await controller.stopReason(name)
        // A job stopped before anything ran (say, while waiting for spot capacity) has nothing to upload.
        if !hosts.isEmpty {
            await controller.update(name) {
                $0.trainingEndTime = Date()
                $0.transition(.uploading, "Uploading generated training model")
            }
        }
        var uploadFailure: String? = nil
        if !hosts.isEmpty {
            do {
                try await uploadArtifacts(name, spec: spec, hosts: hosts)
            } catch {
                uploadFailure = "ClientError: Sagebox could not upload the job's artifacts: \(error)"
            }
        }
        await controller.update(name) { job in
            job.modelArtifacts = hosts.isEmpty ? nil : spec.modelArtifacts(job: name)
            if job.trainingStartTime != nil && job.trainingEndTime == nil { job.trainingEndTime = Date() }
            job.billableSeconds = spec.managedSpot ? job.trainingSeconds * settings.spotPriceRatio : job.trainingSeconds
            if let stopReason {
                let secondary: SecondaryStatus =
                    switch stopReason {
                    case .requested: .stopped
                    case .maxRuntime: .maxRuntimeExceeded
                    case .maxWait: .maxWaitTimeExceeded
                    }
                job.transition(secondary, "Training job stopped", status: .stopped)
            } else if let reason = failure ?? uploadFailure {
                job.failureReason = String(reason.prefix(1024))
                job.transition(.failed, "Training job failed", status: .failed)
            } else {
                job.transition(.completed, "Training job completed", status: .completed)
            }
        }
    }

    private func fail(_ name: String, reason: String, controller: JobController) async {
        await controller.update(name) { job in
            job.failureReason = String(reason.prefix(1024))
            job.transition(.failed, "Training job failed", status: .failed)
        }
    }
}
