import AWSWire
import Foundation
import Runner

extension JobExecutor {
    /// Runs every host's process to its end and returns the job's failure reason, or nil when all exited 0.
    func train(
        _ job: TrainingJob, spec: TrainingJobSpec, container: ContainerSpec, hosts: [HostRun], logs: [JobLog], gpus: [Int],
        requestedGPUs: Int, attempt: Int, controller: JobController
    ) async throws -> String? {
        let python = try await environments.interpreter(for: container)
        let binDirectory = settings.jobsDirectory + "/" + job.name + "/bin"
        try Self.makePythonShims(python: python, in: binDirectory)
        let metrics = MetricRecorder(store: self.metrics, job: job.name)
        let parser = MetricParser(spec.metricDefinitions)
        let perHost = hosts.isEmpty ? 0 : gpus.count / hosts.count
        if requestedGPUs > 0 && gpus.isEmpty {
            for log in logs {
                await log.toolkit("Sagebox: \(spec.instanceType) has \(requestedGPUs) GPU(s) but this machine has none: running on CPU with SM_NUM_GPUS=0.", level: "WARNING")
            }
        }
        let alreadyRan = (try? await controller.job(job.name).trainingSeconds) ?? 0
        let runtimeLimit = runtimeWatch(job.name, spec: spec, alreadyRan: alreadyRan, controller: controller)
        let interruption = interruptionTimer(job, spec: spec, attempt: attempt, controller: controller)
        for host in hosts { await host.checkpoints?.start() }
        let started = Date()
        let failures = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for (offset, host) in hosts.enumerated() {
                let hostGPUs = Array(gpus.dropFirst(offset * perHost).prefix(perHost))
                let log = logs[offset]
                group.addTask {
                    let failure = try await runHost(
                        host, job: job, spec: spec, container: container, python: python, binDirectory: binDirectory, gpus: hostGPUs,
                        log: log, parser: parser, metrics: metrics, controller: controller)
                    return (offset, failure)
                }
            }
            var failures: [(Int, String?)] = []
            for try await result in group { failures.append(result) }
            return failures.sorted { $0.0 < $1.0 }.compactMap(\.1)
        }
        runtimeLimit.cancel()
        interruption?.cancel()
        // As when a container is torn down: nothing the job started outlives it, even processes that left its group.
        if let marker = job.processMarker { await sweep(marker) }
        // The last sync happens after the processes are gone and before the tree is discarded or packed.
        for host in hosts { await host.checkpoints?.finish() }
        for log in logs { await log.close() }
        let elapsed = Date().timeIntervalSince(started)
        let final = await metrics.finalValues()
        await controller.update(job.name) {
            $0.trainingSeconds += elapsed
            $0.finalMetrics = final
        }
        return failures.first
    }

    /// Stops the job as MaxRuntimeExceeded once its running time, across attempts, reaches MaxRuntimeInSeconds.
    private func runtimeWatch(_ name: String, spec: TrainingJobSpec, alreadyRan: Double, controller: JobController) -> Task<Void, Never> {
        Task {
            guard let limit = spec.maxRuntimeSeconds else { return }
            let remaining = max(0, Double(limit) - alreadyRan)
            try? await Task.sleep(for: .seconds(remaining))
            if !Task.isCancelled { try? await controller.stop(name, reason: .maxRuntime) }
        }
    }

    /// Interrupts the attempt on the schedule its tags or the server's seeded rate give (spot jobs only).
    private func interruptionTimer(_ job: TrainingJob, spec: TrainingJobSpec, attempt: Int, controller: JobController) -> Task<Void, Never>? {
        guard spec.managedSpot,
            let delay = SpotSchedule(tags: job.tags).interruption(
                attempt: attempt, job: job.name, rate: settings.spotInterruptionRate, seed: settings.seed)
        else { return nil }
        logger.info("spot job \(job.name) attempt \(attempt) will be interrupted after \(delay) s of training")
        return Task {
            try? await Task.sleep(for: .seconds(delay))
            if !Task.isCancelled { try? await controller.interrupt(job.name) }
        }
    }

    private func runHost(
        _ host: HostRun, job: TrainingJob, spec: TrainingJobSpec, container: ContainerSpec, python: String, binDirectory: String,
        gpus: [Int], log: JobLog, parser: MetricParser, metrics: MetricRecorder, controller: JobController
    ) async throws -> String? {
        let layout = host.layout
        var environment = baseEnvironment(job, spec: spec, container: container, binDirectory: binDirectory, gpus: gpus)
        var command: [String]
        var toolkit: ToolkitLaunch? = nil
        if let entrypoint = spec.entrypoint, !entrypoint.isEmpty {
            command = entrypoint + (spec.arguments ?? [])
        } else if container.usesToolkit {
            let launch = try toolkitLaunch(job, spec: spec, container: container, layout: layout, gpus: gpus.count, environment: environment)
            environment.merge(launch.environment) { $1 }
            command = launch.command(python: python)
            if launch.entryPointKind == .command {
                chmod(layout.codeDirectory + "/" + launch.entryPoint, 0o777)
            }
            toolkit = launch
            if let failure = try await installRequirements(launch, python: python, layout: layout, environment: environment, log: log, controller: controller, job: job.name) {
                return failure
            }
            await log.toolkit("Invoking script with the following command:\n\n\(command.joined(separator: " "))\n")
        } else if let base = container.command {
            command = base + (spec.arguments ?? [])
        } else {
            throw JobFailure(reason: "ClientError: container spec \(container.name) has neither toolkit launch nor a command.")
        }
        let workingDirectory = layout.visibleRoot + "/code"
        let hostMarker = job.processToken.map { "SAGEBOX_HOST_TOKEN=\($0)/\(host.name)" }
        if let hostMarker { environment["SAGEBOX_HOST_TOKEN"] = String(hostMarker.dropFirst("SAGEBOX_HOST_TOKEN=".count)) }
        let recent = RecentLines()
        let receivesSIGTERM = toolkit == nil
        let outcome = try await ProcessLauncher(isolation: isolation).run(
            .init(command: command, environment: environment, workingDirectory: workingDirectory, layout: layout),
            started: { await controller.register($0, receivesSIGTERM: receivesSIGTERM, for: job.name) },
            line: { line in
                await log.write(line)
                await recent.add(line)
                if !parser.isEmpty {
                    let values = parser.values(in: line)
                    if !values.isEmpty { await metrics.record(values, at: Date()) }
                }
            },
            afterExit: { await reapHost(hostMarker, job: job.name, controller: controller) })
        if outcome == .exited(0) {
            if toolkit != nil { _ = FileManager.default.createFile(atPath: layout.outputDirectory + "/success", contents: Data()) }
            return nil
        }
        if await controller.stopReason(job.name) != nil { return nil }
        return await failureReason(outcome, command: command, toolkit: toolkit != nil, layout: layout, recent: recent)
    }

    /// After a host's main process exits: while the job is being brought down, what it leaves behind (a shell's
    /// child, say) keeps the rest of the grace period to act on its SIGTERM; then the host's leftovers are killed,
    /// as when its container is torn down.
    private func reapHost(_ marker: String?, job: String, controller: JobController) async {
        guard let marker else { return }
        if let deadline = await controller.killDeadline(job) {
            while Date() < deadline, (try? await io.run { !ProcessSweeper.processes(withEnvironmentEntry: marker).isEmpty }) ?? false {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        await sweep(marker)
    }

    /// Kills every process carrying `marker`. Finding them reads each process's environment in /proc, so it runs on
    /// the I/O pool rather than on the threads that serve requests.
    private func sweep(_ marker: String) async {
        _ = try? await io.run { ProcessSweeper.kill(environmentEntry: marker) }
    }

    /// SageMaker's wording: the failure file (written by the script, or by the toolkit as ExecuteUserScriptError),
    /// or `Exit Code: N` for images without the toolkit.
    private func failureReason(_ outcome: ProcessLauncher.Outcome, command: [String], toolkit: Bool, layout: HostLayout, recent: RecentLines) async -> String {
        let manager = FileManager.default
        if toolkit, !manager.fileExists(atPath: layout.failureFile) {
            // Python's Popen reports a signal as its negative number; the DLCs capture the error's stderr lines.
            let code: Int
            switch outcome {
            case .exited(let status): code = Int(status)
            case .signalled(let signal): code = -Int(signal)
            }
            let text = ToolkitLaunch.executeUserScriptErrorMessage(command: command, returnCode: code, errorMessage: await recent.errorMessage())
            _ = manager.createFile(atPath: layout.failureFile, contents: Data(text.utf8))
        }
        if let data = manager.contents(atPath: layout.failureFile), !data.isEmpty {
            return "AlgorithmError: " + String(decoding: data, as: UTF8.self)
        }
        return "AlgorithmError: Exit Code: \(outcome.code)"
    }

    /// What every process of the job sees besides the toolkit's variables: the server's environment without its
    /// AWS settings, AWS clients pointed back at Sagebox, the image's and the request's variables, and the GPUs.
    private func baseEnvironment(_ job: TrainingJob, spec: TrainingJobSpec, container: ContainerSpec, binDirectory: String, gpus: [Int])
        -> [String: String]
    {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("SAGEMAKER_") && !$0.key.hasPrefix("SM_") }
        environment["PATH"] = binDirectory + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        environment["AWS_ENDPOINT_URL"] = settings.endpoint.url
        environment["AWS_ACCESS_KEY_ID"] = settings.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = settings.secretKey
        environment["AWS_REGION"] = settings.region
        environment["AWS_DEFAULT_REGION"] = settings.region
        environment["CUDA_VISIBLE_DEVICES"] = gpus.map(String.init).joined(separator: ",")
        environment["NVIDIA_VISIBLE_DEVICES"] = gpus.isEmpty ? "void" : gpus.map(String.init).joined(separator: ",")
        if let module = container.trainingModule { environment["SAGEMAKER_TRAINING_MODULE"] = module }
        environment.merge(container.environment ?? [:]) { $1 }
        environment.merge(spec.environment) { $1 }
        environment["TRAINING_JOB_NAME"] = job.name
        environment["TRAINING_JOB_ARN"] = job.arn
        environment["SAGEBOX_JOB_TOKEN"] = job.processToken
        return environment
    }

    private func toolkitLaunch(
        _ job: TrainingJob, spec: TrainingJobSpec, container: ContainerSpec, layout: HostLayout, gpus: Int, environment: [String: String]
    ) throws -> ToolkitLaunch {
        let manager = FileManager.default
        let input = ToolkitInput(
            baseDirectory: layout.visibleRoot, hyperparameters: spec.hyperparameters,
            inputDataConfigJSON: String(decoding: manager.contents(atPath: layout.configDirectory + "/inputdataconfig.json") ?? Data(), as: UTF8.self),
            resourceConfigJSON: String(decoding: manager.contents(atPath: layout.configDirectory + "/resourceconfig.json") ?? Data(), as: UTF8.self),
            jobName: job.name, numCPUs: ProcessInfo.processInfo.activeProcessorCount, numGPUs: gpus, trainingModule: container.trainingModule)
        do {
            return try Toolkit.launch(input, codeDirectoryHasSetupPy: manager.fileExists(atPath: layout.codeDirectory + "/setup.py"), environment: environment)
        } catch {
            // The toolkit writes its error to the failure file and exits 1 before any user code runs.
            _ = manager.createFile(atPath: layout.failureFile, contents: Data(error.failureFileContents.utf8))
            throw JobFailure(reason: "AlgorithmError: " + error.failureFileContents)
        }
    }

    /// `pip install -r requirements.txt` (or `pip install .` for a package) into the job's interpreter, as the
    /// toolkit does before it runs the entry point; its output goes to the job's log.
    private func installRequirements(
        _ launch: ToolkitLaunch, python: String, layout: HostLayout, environment: [String: String], log: JobLog, controller: JobController,
        job: String
    ) async throws -> String? {
        let manager = FileManager.default
        guard
            let install = launch.installCommand(
                python: python, hasRequirementsTxt: manager.fileExists(atPath: layout.codeDirectory + "/requirements.txt"))
        else { return nil }
        let arguments = Array(install.dropFirst())
        await log.toolkit("Installing dependencies from requirements.txt:\n\n\(python) \(arguments.joined(separator: " "))\n")
        let outcome = try await ProcessLauncher(isolation: isolation).run(
            .init(command: [python] + arguments, environment: environment, workingDirectory: layout.visibleRoot + "/code", layout: layout),
            started: { await controller.register($0, receivesSIGTERM: false, for: job) }, line: { await log.write($0) })
        guard outcome == .exited(0) else {
            let name = launch.entryPointKind == .pythonPackage ? "InstallModuleError" : "InstallRequirementsError"
            let text = "\(name):\nExitCode \(outcome.code)\nErrorMessage \"\"\nCommand \"\(([python] + arguments).joined(separator: " "))\""
            _ = manager.createFile(atPath: layout.failureFile, contents: Data(text.utf8))
            return "AlgorithmError: " + text
        }
        return nil
    }

    /// `python` and `python3` on the job's PATH name the job's interpreter, as in the image.
    static func makePythonShims(python: String, in folder: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["python", "python3"] {
            let link = folder + "/" + name
            try? manager.removeItem(atPath: link)
            try manager.createSymbolicLink(atPath: link, withDestinationPath: python)
        }
    }
}

/// The tail of a job's output, for the toolkit's ErrorMessage.
actor RecentLines {
    private var lines: [String] = []

    func add(_ line: String) {
        lines.append(line)
        if lines.count > 200 { lines.removeFirst(lines.count - 200) }
    }

    /// From the last traceback on, as the DLCs' toolkit captures the error (else the last lines).
    func errorMessage() -> String {
        let start = lines.lastIndex { $0.hasPrefix("Traceback (most recent call last)") } ?? max(0, lines.count - 10)
        return lines[start...].joined(separator: "\n")
    }
}
