import AWSWire
import Foundation
import Runner

extension TrainingExecution {
    struct AttemptResult {
        /// The failure of the host that failed first; nil when every host exited 0 (or the job was stopped).
        let failure: JobFailure?
        /// Seconds the attempt's processes ran.
        let seconds: Double
    }

    /// Starts the attempt's log streams, says Training, and runs every host's process to its end.
    func train(_ plan: AttemptPlan) async throws -> AttemptResult {
        let (hosts, container, gpus, requestedGPUs, attempt) = (plan.hosts, plan.container, plan.gpus, plan.requestedGPUsPerHost, plan.number)
        // The streams exist before the job says Training, so a client that sees Training finds them.
        var logs: [JobLog] = []
        for host in hosts { logs.append(try await JobLog(logs: services.logs, job: name, host: host.index)) }
        await transition(.training, "Training image download completed. Training in progress.") {
            $0.trainingStartTime = $0.trainingStartTime ?? Date()
        }
        let python = try await services.environments.interpreter(for: container)
        let binDirectory = jobDirectory + "/bin"
        try Self.makeShims(python: python, in: binDirectory)
        let perHost = hosts.isEmpty ? 0 : gpus.count / hosts.count
        let context = AttemptContext(
            attempt: attempt, container: container, python: python, binDirectory: binDirectory, parser: MetricParser(spec.metricDefinitions),
            metrics: MetricRecorder(store: services.metrics, job: name),
            distribution: Distribution(
                hyperparameters: spec.hyperparameters, gpusPerHost: perHost, pytorchContainer: container.trainingModule?.contains("pytorch") == true),
            hostNames: spec.hostNames, network: plan.network, hostsFile: plan.directory + "/hosts", pidDirectory: plan.directory + "/pids")
        try Self.writeHostsFile(context)
        if requestedGPUs > 0 && gpus.isEmpty {
            for log in logs {
                await log.toolkit("Sagebox: \(spec.instanceType) has \(requestedGPUs) GPU(s) but this machine has none: running on CPU with SM_NUM_GPUS=0.", level: "WARNING")
            }
        }
        if let limit = spec.maxRuntimeSeconds {
            // MaxRuntimeInSeconds counts the time the job's processes ran, across attempts.
            await run.stopDuringAttempt(after: Double(limit) - plan.alreadyRan, reason: .maxRuntime)
        }
        if spec.managedSpot,
            let delay = SpotSchedule(tags: job.tags).interruption(attempt: attempt, job: name, rate: settings.spotInterruptionRate, seed: settings.seed)
        {
            services.logger.info("spot job \(name) attempt \(attempt) will be interrupted after \(delay) s of training")
            await run.interruptDuringAttempt(after: delay)
        }
        await sayWhatIsEmulated(context, logs: logs)
        for host in hosts { await host.checkpoints?.start() }
        let launches = hosts.enumerated().map { offset, host in
            HostLaunch(host: host, gpus: Array(gpus.dropFirst(offset * perHost).prefix(perHost)), log: logs[offset])
        }
        let started = Date()
        let cause = try await runHosts(launches, context)
        // As when a container is torn down: nothing the job started outlives it, even processes that left its group.
        await services.killLeftovers(of: job)
        // The last sync happens after the processes are gone and before the tree is discarded or packed.
        for host in hosts { await host.checkpoints?.finish() }
        for log in logs { await log.close() }
        let elapsed = Date().timeIntervalSince(started)
        let final = await context.metrics.finalValues()
        await records.update(name) {
            $0.trainingSeconds += elapsed
            $0.finalMetrics = final
        }
        return AttemptResult(failure: cause, seconds: elapsed)
    }

    /// Runs every host to its end. The first host that fails fails the job and the other hosts are brought down with
    /// it; an MPI job's worker hosts, whose ranks the master's mpirun starts, are brought down when the master ends.
    /// A host that cannot even start (its toolkit refuses the entry point, say) counts as failing, so the hosts that
    /// did start never keep the attempt waiting.
    private func runHosts(_ launches: [HostLaunch], _ context: AttemptContext) async throws -> JobFailure? {
        let others = launches.map { hostProcesses($0, context) }
        let io = services.io
        let (cause, error) = await withTaskGroup(of: (Int, Result<JobFailure?, any Error>).self) { group in
            for launch in launches {
                group.addTask {
                    do {
                        return (launch.host.index, .success(try await runHost(launch, context)))
                    } catch let failure as JobFailure {
                        return (launch.host.index, .success(failure))
                    } catch {
                        return (launch.host.index, .failure(error))
                    }
                }
            }
            var cause: JobFailure? = nil
            var error: (any Error)? = nil
            var ending = false
            for await (index, result) in group where !ending {
                switch result {
                case .success(let failure): cause = failure
                case .failure(let thrown): error = thrown
                }
                let masterEnded = context.distribution.usesMPI && index == 1
                if launches.count > 1 && (cause != nil || error != nil || masterEnded) {
                    ending = true
                    _ = try? await io.run { for (offset, processes) in others.enumerated() where offset + 1 != index { processes?.killAll() } }
                }
            }
            return (cause, error)
        }
        if let error { throw error }
        return cause
    }

    /// One WARNING line per host for each part of the launch Sagebox emulates rather than runs as the container does.
    private func sayWhatIsEmulated(_ context: AttemptContext, logs: [JobLog]) async {
        var lines = context.distribution.notRun.map {
            "Sagebox: the distribution setting \($0) is not run by Sagebox for this image; the entry point runs with the \(context.distribution.runner.rawValue) runner."
        }
        if context.distribution.usesSMDistributed {
            lines.append(
                "Sagebox: smdistributed is emulated on torch.distributed (NCCL with GPUs, gloo without); model parallelism runs every model whole on each rank.")
        }
        if context.distribution.usesMPI {
            lines.append("Sagebox: mpirun reaches the other hosts through their namespaces (an rsh agent), not SSH; no sshd runs.")
        }
        if context.network == nil && context.distribution.runner != .process {
            lines.append("Sagebox: this single-host job shares the machine's network; its interface is lo, not eth0.")
        }
        for log in logs {
            for line in lines { await log.toolkit(line, level: "WARNING") }
        }
    }

    /// Runs one host's process to its end; returns its failure, or nil when it exited 0 or the job was stopped.
    private func runHost(_ launch: HostLaunch, _ context: AttemptContext) async throws -> JobFailure? {
        let layout = launch.host.layout
        let prepared: PreparedCommand
        switch try await prepareCommand(launch, context) {
        case .failed(let failure): return failure
        case .ready(let command): prepared = command
        }
        var environment = prepared.environment
        let processes = hostProcesses(launch, context)
        if let entry = processes?.environmentEntry { environment[entry.name] = entry.value }
        let recent = RecentLines()
        let (run, log, parser, metrics) = (self.run, launch.log, context.parser, context.metrics)
        let receivesSIGTERM = !prepared.isToolkit
        let pidFile = context.pidDirectory + "/" + launch.host.name
        let rewrite = launch.host.index == 1 && context.distribution.usesMPI
        let (distribution, hostNames) = (context.distribution, context.hostNames)
        let outcome = try await ProcessLauncher(isolation: services.isolation).run(
            .init(
                command: prepared.command, environment: environment, workingDirectory: layout.visibleRoot + "/code", layout: layout,
                group: processes?.group, identity: context.identity(of: launch.host)),
            started: { handle in
                await run.register(handle, receivesSIGTERM: receivesSIGTERM)
                // mpirun's rsh agent joins this host's namespaces through its main process.
                try? Data(String(handle.pid).utf8).write(to: URL(fileURLWithPath: pidFile), options: .atomic)
            },
            line: { raw in
                let line = rewrite ? distribution.rewriteRankPrefix(raw, hosts: hostNames) : raw
                await log.write(line)
                await recent.add(line)
                if !parser.isEmpty {
                    let values = parser.values(in: line)
                    if !values.isEmpty { await metrics.record(values, at: Date()) }
                }
            },
            afterExit: { await reapHost(processes) })
        if outcome == .exited(0) {
            if prepared.isToolkit { _ = FileManager.default.createFile(atPath: layout.outputDirectory + "/success", contents: Data()) }
            return nil
        }
        if await run.stopReason != nil { return nil }
        return await failureReason(outcome, command: prepared.command, toolkit: prepared.isToolkit, layout: layout, recent: recent)
    }

    /// What a host runs, with its environment.
    struct PreparedCommand {
        var command: [String]
        var environment: [String: String]
        /// Launched as the training toolkit launches an entry point (no SIGTERM, failure file, success file).
        var isToolkit: Bool
    }

    enum CommandPreparation {
        case ready(PreparedCommand)
        /// The toolkit failed before the entry point ran (say, installing requirements).
        case failed(JobFailure)
    }

    /// The command a host runs: the request's ContainerEntrypoint, the toolkit's launch of the entry point (after
    /// installing its requirements), or the container spec's own command.
    private func prepareCommand(_ launch: HostLaunch, _ context: AttemptContext) async throws -> CommandPreparation {
        var environment = baseEnvironment(context, gpus: launch.gpus)
        if let entrypoint = spec.entrypoint, !entrypoint.isEmpty {
            return .ready(PreparedCommand(command: entrypoint + (spec.arguments ?? []), environment: environment, isToolkit: false))
        }
        if context.container.usesToolkit {
            let layout = launch.host.layout
            let toolkit = try toolkitLaunch(context.container, layout: layout, gpus: launch.gpus.count, environment: environment)
            environment.merge(toolkit.environment) { $1 }
            environment.merge(distributionEnvironment(context, toolkit: toolkit)) { $1 }
            let command = context.distribution.command(
                script: toolkit, python: context.python, hosts: context.hostNames, index: launch.host.index - 1, interface: context.interface,
                forwarded: environment.keys.filter { $0.hasPrefix("SM_") || ["MASTER_ADDR", "MASTER_PORT", "PYTHONPATH"].contains($0) }.sorted())
            // An MPI worker host waits while the master's mpirun runs its ranks inside it.
            let prepared = PreparedCommand(command: command ?? ["sleep", "infinity"], environment: environment, isToolkit: true)
            if toolkit.entryPointKind == .command {
                chmod(layout.codeDirectory + "/" + toolkit.entryPoint, 0o777)
            }
            if let failure = try await installRequirements(toolkit, launch, context, environment: prepared.environment) {
                return .failed(failure)
            }
            if command == nil {
                await launch.log.toolkit("Waiting for the master host's mpirun to start this host's ranks (\(context.distribution.processesPerHost) processes).")
            } else {
                await launch.log.toolkit("Invoking script with the following command:\n\n\(prepared.command.joined(separator: " "))\n")
            }
            return .ready(prepared)
        }
        guard let base = context.container.command else {
            throw JobFailure.client("container spec \(context.container.name) has neither toolkit launch nor a command.")
        }
        return .ready(PreparedCommand(command: base + (spec.arguments ?? []), environment: environment, isToolkit: false))
    }

    /// After a host's main process exits: while the job is being brought down, what it leaves behind (a shell's
    /// child, say) keeps the rest of the grace period to act on its SIGTERM; then the host's leftovers are killed,
    /// as when its container is torn down.
    private func reapHost(_ processes: HostProcesses?) async {
        guard let processes else { return }
        let io = services.io
        if let deadline = await run.killDeadline {
            while Date() < deadline, (try? await io.run { processes.anyLeft() }) ?? false {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        _ = try? await io.run { processes.killAll() }
    }

    /// What the framework container and the distributed runner add to the environment.
    private func distributionEnvironment(_ context: AttemptContext, toolkit: ToolkitLaunch) -> [String: String] {
        var environment: [String: String] = [:]
        let distribution = context.distribution
        if context.container.trainingModule?.contains("pytorch") == true {
            environment.merge(Distribution.containerEnvironment(master: context.hostNames[0], interface: context.interface)) { $1 }
        }
        if distribution.usesMPI {
            // mpirun exports it to every rank (-x), as in the DLC, where it is always set.
            environment["LD_LIBRARY_PATH"] = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? ""
            environment["OMPI_MCA_plm_rsh_agent"] = context.binDirectory + "/" + Self.rshAgentName
            environment["SAGEBOX_HOST_PIDS"] = context.pidDirectory
            environment["SAGEMAKER_INSTANCE_TYPE"] = spec.instanceType
        }
        if distribution.usesSMDistributed {
            environment["PYTHONPATH"] = [settings.emulationDirectory, toolkit.environment["PYTHONPATH"]].compactMap { $0 }.joined(separator: ":")
        }
        return environment
    }

    /// `/etc/hosts` of every host: the machine's, plus the job's hosts (their network's addresses, or loopback for a
    /// host sharing the machine's network).
    static func writeHostsFile(_ context: AttemptContext) throws {
        let machine = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? "127.0.0.1 localhost\n"
        let entries = context.network?.hostEntries ?? context.hostNames.map { "127.0.1.1 \($0)" }
        let text = machine + (machine.hasSuffix("\n") ? "" : "\n") + "# Sagebox: the job's hosts\n" + entries.joined(separator: "\n") + "\n"
        try FileManager.default.createDirectory(atPath: context.pidDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: context.hostsFile), options: .atomic)
    }

    /// Where one host's processes are held (its cgroup, or its environment marker); nil for jobs stored before
    /// jobs had tokens.
    private func hostProcesses(_ launch: HostLaunch, _ context: AttemptContext) -> HostProcesses? {
        job.processToken.map { services.containment.processes(ofJob: $0, host: "attempt-\(context.attempt)-\(launch.host.name)") }
    }

    /// SageMaker's wording: the failure file (written by the script, or by the toolkit as ExecuteUserScriptError),
    /// or `Exit Code: N` for images without the toolkit.
    private func failureReason(_ outcome: ProcessLauncher.Outcome, command: [String], toolkit: Bool, layout: HostLayout, recent: RecentLines) async -> JobFailure {
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
            return .algorithm(String(decoding: data, as: UTF8.self))
        }
        return .algorithm("Exit Code: \(outcome.code)")
    }

    /// What every process of the job sees besides the toolkit's variables: the server's environment without its
    /// AWS settings, AWS clients pointed back at Sagebox, the image's and the request's variables, and the GPUs.
    private func baseEnvironment(_ context: AttemptContext, gpus: [Int]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("SAGEMAKER_") && !$0.key.hasPrefix("SM_") }
        environment["PATH"] = context.binDirectory + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        // Hosts in a job network have a loopback of their own: they reach Sagebox at their bridge.
        environment["AWS_ENDPOINT_URL"] = context.network?.endpoint(forServer: settings.endpoint.url) ?? settings.endpoint.url
        environment["AWS_ACCESS_KEY_ID"] = settings.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = settings.secretKey
        environment["AWS_REGION"] = settings.region
        environment["AWS_DEFAULT_REGION"] = settings.region
        environment["CUDA_VISIBLE_DEVICES"] = gpus.map(String.init).joined(separator: ",")
        environment["NVIDIA_VISIBLE_DEVICES"] = gpus.isEmpty ? "void" : gpus.map(String.init).joined(separator: ",")
        if let module = context.container.trainingModule { environment["SAGEMAKER_TRAINING_MODULE"] = module }
        environment.merge(context.container.environment ?? [:]) { $1 }
        environment.merge(spec.environment) { $1 }
        environment["TRAINING_JOB_NAME"] = name
        environment["TRAINING_JOB_ARN"] = job.arn
        environment["SAGEBOX_JOB_TOKEN"] = job.processToken
        return environment
    }

    private func toolkitLaunch(_ container: ContainerSpec, layout: HostLayout, gpus: Int, environment: [String: String]) throws -> ToolkitLaunch {
        let manager = FileManager.default
        let input = ToolkitInput(
            baseDirectory: layout.visibleRoot, hyperparameters: spec.hyperparameters,
            inputDataConfigJSON: String(decoding: manager.contents(atPath: layout.configDirectory + "/inputdataconfig.json") ?? Data(), as: UTF8.self),
            resourceConfigJSON: String(decoding: manager.contents(atPath: layout.configDirectory + "/resourceconfig.json") ?? Data(), as: UTF8.self),
            jobName: name, numCPUs: ProcessInfo.processInfo.activeProcessorCount, numGPUs: gpus, trainingModule: container.trainingModule)
        do {
            return try Toolkit.launch(input, codeDirectoryHasSetupPy: manager.fileExists(atPath: layout.codeDirectory + "/setup.py"), environment: environment)
        } catch {
            // The toolkit writes its error to the failure file and exits 1 before any user code runs.
            _ = manager.createFile(atPath: layout.failureFile, contents: Data(error.failureFileContents.utf8))
            throw JobFailure.algorithm(error.failureFileContents)
        }
    }

    /// `pip install -r requirements.txt` (or `pip install .` for a package) into the job's interpreter, as the
    /// toolkit does before it runs the entry point; its output goes to the job's log.
    private func installRequirements(
        _ toolkit: ToolkitLaunch, _ launch: HostLaunch, _ context: AttemptContext, environment: [String: String]
    ) async throws -> JobFailure? {
        let (layout, log, python) = (launch.host.layout, launch.log, context.python)
        let processes = hostProcesses(launch, context)
        let manager = FileManager.default
        guard
            let install = toolkit.installCommand(
                python: python, hasRequirementsTxt: manager.fileExists(atPath: layout.codeDirectory + "/requirements.txt"))
        else { return nil }
        let arguments = Array(install.dropFirst())
        await log.toolkit("Installing dependencies from requirements.txt:\n\n\(python) \(arguments.joined(separator: " "))\n")
        let run = self.run
        let outcome = try await ProcessLauncher(isolation: services.isolation).run(
            .init(
                command: [python] + arguments, environment: environment, workingDirectory: layout.visibleRoot + "/code", layout: layout,
                group: processes?.group),
            started: { await run.register($0, receivesSIGTERM: false) }, line: { await log.write($0) }, afterExit: { await reapHost(processes) })
        guard outcome == .exited(0) else {
            let name = toolkit.entryPointKind == .pythonPackage ? "InstallModuleError" : "InstallRequirementsError"
            let text = "\(name):\nExitCode \(outcome.code)\nErrorMessage \"\"\nCommand \"\(([python] + arguments).joined(separator: " "))\""
            _ = manager.createFile(atPath: layout.failureFile, contents: Data(text.utf8))
            return .algorithm(text)
        }
        return nil
    }

    static let rshAgentName = "sagebox-rsh"

    /// The job's PATH front: `python` and `python3` name the job's interpreter, as in the image; `torchrun` is that
    /// interpreter's; `sagebox-rsh` is mpirun's agent, which runs a command on host `$1` by joining the namespaces of
    /// that host's main process (no SSH daemon), waiting for the host to have started.
    static func makeShims(python: String, in folder: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["python", "python3"] {
            let link = folder + "/" + name
            try? manager.removeItem(atPath: link)
            try manager.createSymbolicLink(atPath: link, withDestinationPath: python)
        }
        let scripts = [
            "torchrun": "#!/bin/sh\nexec \(EntryPointName.shellQuote(python)) -m torch.distributed.run \"$@\"\n",
            rshAgentName: """
                #!/bin/sh
                host="$1"; shift
                pid="$SAGEBOX_HOST_PIDS/$host"
                tries=0
                while [ ! -s "$pid" ] && [ "$tries" -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done
                exec nsenter --target "$(cat "$pid")" --net --uts --mount -- /bin/sh -c "$*"

                """,
        ]
        for (name, text) in scripts {
            let path = folder + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            chmod(path, 0o755)
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
