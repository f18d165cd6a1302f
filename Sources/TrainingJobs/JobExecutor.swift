import AWSWire
import CloudWatchLogs
import Foundation
import Logging
import ObjectStore
import Runner

/// Runs one training job from Starting to its end: resources, inputs, the hosts' processes, artifacts, status.
struct JobExecutor: Sendable {
    let settings: JobSettings
    let objects: ObjectStore
    let logs: LogStore
    let specs: ContainerSpecCatalog
    let gpus: GPUAllocator
    let isolation: Isolation
    let environments: PythonEnvironments
    let logger: Logger

    init(
        settings: JobSettings, objects: ObjectStore, logs: LogStore, specs: ContainerSpecCatalog, gpus: GPUAllocator, isolation: Isolation,
        logger: Logger
    ) {
        self.settings = settings
        self.objects = objects
        self.logs = logs
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
        do {
            let container = try resolveContainer(spec)
            let perHost = InstanceType.named(spec.instanceType)?.gpus ?? 0
            let grantedPerHost = try await gpus.grantable(perHost)
            gpuIndices = await gpus.acquire(grantedPerHost * spec.instanceCount)
            if await controller.stopReason(job.name) != nil {
                await finish(job.name, spec: spec, hosts: [], controller: controller)
                return
            }
            await controller.update(job.name) { $0.transition(.downloading, "Downloading input data") }
            let hosts = try await prepareHosts(job, spec: spec, container: container, directory: jobDirectory)
            await controller.update(job.name) {
                $0.trainingStartTime = $0.trainingStartTime ?? Date()
                $0.transition(.training, "Training image download completed. Training in progress.")
            }
            let outcome = try await train(
                job, spec: spec, container: container, hosts: hosts, gpus: gpuIndices, requestedGPUs: perHost, controller: controller)
            await finish(job.name, spec: spec, hosts: hosts, failure: outcome, controller: controller)
        } catch let failure as JobFailure {
            await fail(job.name, reason: failure.reason, controller: controller)
        } catch let shortage as GPUAllocator.Shortage {
            await fail(job.name, reason: "ClientError: \(shortage)", controller: controller)
        } catch {
            logger.error("training job \(job.name) failed inside Sagebox: \(error)")
            await fail(job.name, reason: "InternalServerError: \(error)", controller: controller)
        }
        await gpus.release(gpuIndices)
        if !settings.keepJobFiles { try? FileManager.default.removeItem(atPath: jobDirectory) }
        await controller.finished(job.name)
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
        await controller.update(name) {
            $0.trainingEndTime = Date()
            $0.transition(.uploading, "Uploading generated training model")
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
            job.modelArtifacts = hosts.isEmpty ? nil : spec.outputLocation(job: name, file: spec.compressOutput ? "model.tar.gz" : "model")
            if let stopReason {
                job.transition(stopReason == .maxRuntime ? .maxRuntimeExceeded : .stopped, "Training job stopped", status: .stopped)
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
