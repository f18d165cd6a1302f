import Foundation
import Runner

/// Runs one training job from Starting to its end: resources, inputs, the hosts' processes, artifacts, status.
/// Its mutable state (attempt, stop and interruption, deadlines, GPUs, processes) lives in `run`, its record
/// changes go through `records`, and what every job shares comes from `services`.
struct TrainingExecution: Sendable {
    /// The record as it was created (name, ARN, tags, creation time, spec).
    let job: TrainingJob
    let run: JobRun
    let records: any JobRecords
    let services: JobExecutor

    var name: String { job.name }
    var spec: TrainingJobSpec { job.spec }
    var settings: JobSettings { services.settings }
    var jobDirectory: String { settings.jobsDirectory + "/" + name }

    func execute() async {
        if spec.managedSpot, let limit = spec.maxWaitSeconds {
            // MaxWaitTimeInSeconds counts the whole job, waits included.
            await run.stop(after: job.creationTime.addingTimeInterval(Double(limit)).timeIntervalSinceNow, reason: .maxWait)
        }
        var network: OpenJobNetwork? = nil
        do {
            let container = try resolveContainer()
            network = try await services.openNetwork(for: job)
            let perHost = InstanceType.gpus(spec.instanceType)
            let granted: Int
            do {
                // The job's hosts share the machine's GPUs: the policy applies to all of them together, and each host
                // gets an equal, disjoint share.
                granted = try await services.gpus.grantable(perHost * spec.instanceCount)
            } catch {
                throw JobFailure.client("\(error)")
            }
            let gpus = await run.acquireGPUs(granted - granted % spec.instanceCount, from: services.gpus)
            var hosts: [HostRun] = []
            var failure: JobFailure? = nil
            var ranSeconds = 0.0
            while await run.stopReason == nil {
                let attempt = await run.beginAttempt()
                if attempt > 1 { await transition(.starting, "Starting the training job after a spot interruption") }
                guard await waitForCapacity(attempt: attempt) else { break }
                await transition(.downloading, "Downloading input data")
                let attemptDirectory = jobDirectory + "/attempt-\(attempt)"
                hosts = try await prepareHosts(container: container, directory: attemptDirectory)
                // Stopped while downloading: nothing ran, the (empty) model is still uploaded.
                if await run.stopReason != nil { break }
                let result = try await train(
                    AttemptPlan(
                        number: attempt, directory: attemptDirectory, hosts: hosts, container: container, gpus: gpus,
                        requestedGPUsPerHost: perHost, network: network?.network, alreadyRan: ranSeconds))
                ranSeconds += result.seconds
                failure = result.failure
                guard await run.endAttempt() else { break }
                // The instance is lost: only the checkpoints (already synced) survive.
                await transition(.interrupted, "Training job interrupted: the spot instance was reclaimed")
                hosts = []
                failure = nil
                await services.remove(attemptDirectory)
                _ = await run.sleep(settings.spotRestartDelaySeconds)
            }
            // The hosts' processes are gone: their network goes before the job says it has ended.
            await network?.close()
            network = nil
            await finish(hosts: hosts, failure: failure)
        } catch let failure as JobFailure {
            await tearDown(network)
            await fail(failure)
        } catch {
            services.logger.error("training job \(name) failed inside Sagebox: \(error)")
            await tearDown(network)
            await fail(.internalError("\(error)"))
        }
        await run.finish(releasingTo: services.gpus)
        if !settings.keepJobFiles { await services.remove(jobDirectory) }
        await records.finished(name)
    }

    /// After an attempt that threw: whatever it started (processes, their groups) ends, then the job's network.
    private func tearDown(_ network: OpenJobNetwork?) async {
        await services.killLeftovers(of: job)
        await network?.close()
    }

    /// Moves the record to `status` and the run to the matching phase.
    func transition(_ status: SecondaryStatus, _ message: String, _ change: @escaping @Sendable (inout TrainingJob) -> Void = { _ in }) async {
        await records.update(name) {
            change(&$0)
            $0.transition(status, message)
        }
        switch status {
        case .starting: await run.enter(.starting)
        case .downloading: await run.enter(.downloading)
        case .training: await run.enter(.running)
        case .interrupted: await run.enter(.restarting)
        case .uploading: await run.enter(.uploading)
        default: break
        }
    }

    /// Spot jobs wait in Starting while capacity is unavailable: server-wide (`/_sagebox/spot-capacity`) or, for the
    /// first attempt, for the seconds the job's `sagebox:capacity-unavailable-seconds` tag names. False when the job
    /// was stopped while waiting.
    private func waitForCapacity(attempt: Int) async -> Bool {
        guard spec.managedSpot else { return await run.stopReason == nil }
        let message = "Insufficient capacity error from EC2 while launching instances, retrying!"
        if attempt == 1, let seconds = SpotSchedule(tags: job.tags).capacityUnavailableSeconds {
            let remaining = job.creationTime.addingTimeInterval(seconds).timeIntervalSinceNow
            if remaining > 0 {
                await records.update(name) { $0.updateMessage(message) }
                guard await run.sleep(remaining) else { return false }
            }
        }
        let capacity = services.spotCapacity
        if await !capacity.value {
            await records.update(name) { $0.updateMessage(message) }
            return await run.untilStopped { await capacity.wait(until: true) }
        }
        return await run.stopReason == nil
    }

    private func resolveContainer() throws -> ContainerSpec {
        do {
            return try services.specs.spec(for: spec.image ?? "")
        } catch {
            throw JobFailure.client("\(error)")
        }
    }

    /// Uploads artifacts and sets the end state: Completed, Failed (with `failure`) or Stopped when a stop was asked.
    private func finish(hosts: [HostRun], failure: JobFailure?) async {
        // A job stopped before anything ran (say, while waiting for spot capacity) has nothing to upload.
        var uploadFailure: JobFailure? = nil
        if !hosts.isEmpty {
            await transition(.uploading, "Uploading generated training model") { $0.trainingEndTime = Date() }
            do {
                try await uploadArtifacts(hosts)
            } catch let failure as JobFailure {
                uploadFailure = failure
            } catch {
                uploadFailure = .client("Sagebox could not upload the job's artifacts: \(error)")
            }
        }
        let stopReason = await run.stopReason
        let (spec, name, ratio, failure) = (spec, name, settings.spotPriceRatio, failure ?? uploadFailure)
        await records.update(name) { job in
            job.modelArtifacts = hosts.isEmpty ? nil : spec.modelArtifacts(job: name)
            if job.trainingStartTime != nil && job.trainingEndTime == nil { job.trainingEndTime = Date() }
            job.billableSeconds = spec.managedSpot ? job.trainingSeconds * ratio : job.trainingSeconds
            if let stopReason {
                job.transition(SecondaryStatus(stoppedBy: stopReason), "Training job stopped", status: .stopped)
            } else if let failure {
                job.fail(failure)
            } else {
                job.transition(.completed, "Training job completed", status: .completed)
            }
        }
    }

    private func fail(_ failure: JobFailure) async {
        await records.update(name) { $0.fail(failure) }
    }
}
