/// The toolkit's `environment.Environment` (sagemaker-training 5.1.4), computed the way its `__init__` computes
/// it, in the same order, so the first error is the one the toolkit would hit. Values stay Python values because
/// the toolkit passes whatever the config files and hyperparameters hold straight into `SM_TRAINING_ENV`.
struct ToolkitEnvironment {
    /// Hyperparameters the toolkit consumes itself; with every other `sagemaker_`-prefixed key they are removed
    /// from the user's hyperparameters (`params.SAGEMAKER_HYPERPARAMETERS`).
    static let reservedHyperparameters: Set<String> = [
        "sagemaker_program", "sagemaker_submit_directory", "sagemaker_enable_cloudwatch_metrics", "sagemaker_region",
        "sagemaker_container_log_level", "sagemaker_job_name", "default_user_module_name", "_tuning_objective_metric",
        "sagemaker_s3_output",
    ]

    /// Framework flags that put the current instance group into `distribution_instance_groups`.
    static let distributionFlags = [
        "sagemaker_mpi_enabled", "sagemaker_parameter_server_enabled", "sagemaker_distributed_dataparallel_enabled",
        "sagemaker_pytorch_ddp_enabled", "sagemaker_pytorch_xla_multi_worker_enabled",
        "sagemaker_multi_worker_mirrored_strategy_enabled", "sagemaker_torch_distributed_enabled",
    ]

    let codeDir: String
    /// Variables `Environment()` writes into `os.environ` as a side effect, in the order it writes them.
    let sideEffectVariables: [(String, String)]

    let hosts: PythonValue
    let networkInterfaceName: PythonValue
    let hyperparameters: PythonDict
    let additionalFrameworkParameters: PythonDict
    let resourceConfig: PythonValue
    let inputDataConfig: PythonValue
    let channelInputDirs: PythonDict
    let currentHost: PythonValue
    let currentInstanceType: PythonValue
    let currentInstanceGroup: PythonValue
    let currentInstanceGroupHosts: PythonValue
    let instanceGroups: [PythonValue]
    let instanceGroupsDict: PythonDict
    let distributionInstanceGroups: PythonValue
    let distributionHosts: [PythonValue]
    let masterHostname: PythonValue
    let isMaster: Bool
    let moduleName: String
    let moduleDir: String
    let userEntryPoint: PythonValue
    let logLevel: PythonValue
    let frameworkModule: PythonValue
    let jobName: String
    let isModelParallelEnabled: PythonValue
    let topology: PythonValue
    let numCPUs: Int
    let numGPUs: Int
    let numNeurons: Int
    let modelDir, inputDir, inputConfigDir, outputDir, outputDataDir, outputIntermediateDir: String

    init(_ input: ToolkitInput, environment env: [String: String]) throws(ToolkitError) {
        let base = input.baseDirectory
        codeDir = pathJoin(base, "code")
        modelDir = pathJoin(base, "model")
        inputDir = pathJoin(base, "input")
        let inputDataDir = pathJoin(inputDir, "data")
        inputConfigDir = pathJoin(inputDir, "config")
        outputDir = pathJoin(base, "output")
        outputDataDir = pathJoin(outputDir, "data")
        outputIntermediateDir = pathJoin(outputDir, "intermediate")

        // Read first and then overridden by the hyperparameter (or its default), but int() still runs on it.
        if let raw = env["SAGEMAKER_CONTAINER_LOG_LEVEL"], !isPythonIntLiteral(raw) {
            throw .frameworkError(type: "ValueError", message: "invalid literal for int() with base 10: \(pythonStringRepr(raw))")
        }
        numGPUs = input.numGPUs
        numCPUs = input.numCPUs

        let resourceConfig = try loadConfig(input.resourceConfigJSON, file: "resourceconfig.json")
        let inputDataConfig = try loadConfig(input.inputDataConfigJSON, file: "inputdataconfig.json")
        var all = PythonDict()
        for (key, raw) in input.hyperparameters {
            do {
                all[key] = try PythonValue.decodeHyperparameter(raw)
            } catch {
                throw .unsupported("hyperparameter \(pythonStringRepr(key)): \(error)")
            }
        }
        self.resourceConfig = resourceConfig
        self.inputDataConfig = inputDataConfig

        hosts = try resourceConfig.item("hosts")
        currentInstanceType = try resourceConfig.get("current_instance_type", default: .string("local"))
        currentInstanceGroup = try resourceConfig.get("current_group_name", default: .string("homogeneousCluster"))
        currentHost = try resourceConfig.item("current_host")
        numNeurons = try currentInstanceType.pythonContains(.string("trn2.48xlarge")) ? 64 : input.numNeurons

        var sagemaker = PythonDict(), user = PythonDict(), framework = PythonDict()
        for (key, value) in all.entries {
            if Self.reservedHyperparameters.contains(key) || key.pythonStartsWith("sagemaker_") {
                sagemaker[key] = value
                if !Self.reservedHyperparameters.contains(key) { framework[key] = value }
            } else {
                user[key] = value
            }
        }
        hyperparameters = user
        additionalFrameworkParameters = framework

        // boto3's default region is AWS_DEFAULT_REGION (the toolkit's config file, which Sagebox does not model).
        let region = sagemaker["sagemaker_region"] ?? env["AWS_DEFAULT_REGION"].map(PythonValue.string) ?? .none
        var effects: [(String, String)] = []
        for (name, value) in [
            ("SAGEMAKER_JOB_NAME", sagemaker["sagemaker_job_name"] ?? .string("")),
            ("CURRENT_HOST", currentHost),
            ("SAGEMAKER_REGION", region.isTruthy ? region : .string("")),
        ] {
            let text = try environString(value)
            try checkSetenv(name, text)
            effects.append((name, text))
        }
        sideEffectVariables = effects

        networkInterfaceName = try resourceConfig.get("network_interface_name", default: .string("eth0"))
        topology = try resourceConfig.get("topology", default: .list([]))

        var channels = PythonDict()
        for channel in try inputDataConfig.pythonElements() {
            guard case .string(let name) = channel else {
                throw .frameworkError(type: "TypeError", message: "join() argument must be str, bytes, or os.PathLike object, not '\(channel.pythonTypeName)'")
            }
            channels[name] = .string(pathJoin(inputDataDir, name))
        }
        channelInputDirs = channels

        let programVariable = env["SAGEMAKER_PROGRAM"]
        moduleName = parseModuleName(programVariable ?? (sagemaker["sagemaker_program"] ?? .none).pythonStr)
        if let programVariable, !programVariable.isEmpty {
            userEntryPoint = .string(programVariable)
        } else {
            userEntryPoint = sagemaker["sagemaker_program"] ?? .none
        }
        // SAGEMAKER_SUBMIT_DIRECTORY is read too, but 5.1.4 overwrites it unconditionally with this.
        moduleDir = (sagemaker["sagemaker_submit_directory"] ?? .string(codeDir)).pythonStr
        logLevel = sagemaker["sagemaker_container_log_level"] ?? .int(20)
        frameworkModule = (input.trainingModule ?? env["SAGEMAKER_TRAINING_MODULE"]).map(PythonValue.string) ?? .none
        jobName = input.jobName

        let groupsConfig = try resourceConfig.get("instance_groups", default: .list([]))
        let groups = try groupsConfig.pythonElements()
        var currentGroupHosts = PythonValue.list([])
        for group in groups {
            if try currentInstanceGroup.pythonEquals(group.item("instance_group_name")) {
                currentGroupHosts = try group.item("hosts")
                break
            }
        }
        currentInstanceGroupHosts = currentGroupHosts
        instanceGroups = try groups.map { group throws(ToolkitError) in try group.item("instance_group_name") }
        var groupsDict = PythonDict()
        for group in groups {
            guard case .string(let name) = try group.item("instance_group_name") else {
                throw .unsupported("resourceconfig.json: an instance_group_name is not a string")
            }
            groupsDict[name] = group
        }
        instanceGroupsDict = groupsDict

        let flagged = Self.distributionFlags.contains { (framework[$0] ?? .bool(false)).isTruthy }
        distributionInstanceGroups = framework["sagemaker_distribution_instance_groups"] ?? .list(flagged ? [currentInstanceGroup] : [])

        var distribution: [PythonValue] = []
        if groupsConfig.isTruthy {
            for group in groups {
                if try distributionInstanceGroups.pythonContains(group.item("instance_group_name")) {
                    distribution += try group.item("hosts").pythonElements()
                }
            }
        } else {
            // hosts.copy(): only a list makes sense here (Sagebox always writes one).
            guard case .list(let allHosts) = hosts else { throw .unsupported("resourceconfig.json: hosts is not a list") }
            distribution = allHosts
        }
        distributionHosts = distribution

        // list(distribution_hosts)[0] if there are any, else list(hosts)[0].
        let candidates = distribution.isEmpty ? try hosts.pythonElements() : distribution
        guard let master = candidates.first else {
            throw .frameworkError(type: "IndexError", message: "list index out of range")
        }
        masterHostname = master
        isMaster = currentHost.pythonEquals(master)

        switch env["SM_HP_MP_PARAMETERS"] {
        case nil: isModelParallelEnabled = .none
        case ""?: isModelParallelEnabled = .string("")  // `mp and ...` yields the falsy "" itself
        case let mp?: isModelParallelEnabled = .bool(mp != "{}")
        }
    }

    /// `dict(env)`: every property of `Environment`, the value of SM_TRAINING_ENV.
    var trainingEnv: PythonDict {
        PythonDict([
            ("additional_framework_parameters", .dict(additionalFrameworkParameters)),
            ("channel_input_dirs", .dict(channelInputDirs)),
            ("current_host", currentHost),
            ("current_instance_group", currentInstanceGroup),
            ("current_instance_group_hosts", currentInstanceGroupHosts),
            ("current_instance_type", currentInstanceType),
            ("distribution_hosts", .list(distributionHosts)),
            ("distribution_instance_groups", distributionInstanceGroups),
            ("framework_module", frameworkModule),
            ("hosts", hosts),
            ("hyperparameters", .dict(hyperparameters)),
            ("input_config_dir", .string(inputConfigDir)),
            ("input_data_config", inputDataConfig),
            ("input_dir", .string(inputDir)),
            ("instance_groups", .list(instanceGroups)),
            ("instance_groups_dict", .dict(instanceGroupsDict)),
            ("is_hetero", .bool(instanceGroups.count > 1)),
            ("is_master", .bool(isMaster)),
            ("is_modelparallel_enabled", isModelParallelEnabled),
            // `which smddpmprun` / `which smddprun`: Sagebox provides neither.
            ("is_smddpmprun_installed", .bool(false)),
            ("is_smddprun_installed", .bool(false)),
            ("job_name", .string(jobName)),
            ("log_level", logLevel),
            ("master_hostname", masterHostname),
            ("model_dir", .string(modelDir)),
            ("module_dir", .string(moduleDir)),
            ("module_name", .string(moduleName)),
            ("network_interface_name", networkInterfaceName),
            ("num_cpus", .int(Int64(numCPUs))),
            ("num_gpus", .int(Int64(numGPUs))),
            ("num_neurons", .int(Int64(numNeurons))),
            ("output_data_dir", .string(outputDataDir)),
            ("output_dir", .string(outputDir)),
            ("output_intermediate_dir", .string(outputIntermediateDir)),
            ("resource_config", resourceConfig),
            ("topology", topology),
            ("user_entry_point", userEntryPoint),
        ])
    }

    var commandArgs: [String] { ToolkitMapping.commandArgs(hyperparameters) }

    /// `to_env_vars()`: the SM_* variables in the order the toolkit writes them (a later name that upper-cases to
    /// the same variable wins, as in the toolkit's dict comprehension).
    var environmentVariables: [(String, String)] {
        var entries: [(String, PythonValue)] = [
            ("hosts", hosts),
            ("network_interface_name", networkInterfaceName),
            ("hps", .dict(hyperparameters)),
            ("user_entry_point", userEntryPoint),
            ("framework_params", .dict(additionalFrameworkParameters)),
            ("resource_config", resourceConfig),
            ("input_data_config", inputDataConfig),
            ("output_data_dir", .string(outputDataDir)),
            ("channels", .list(channelInputDirs.keys.sorted(by: pythonPrecedes).map(PythonValue.string))),
            ("current_host", currentHost),
            ("current_instance_type", currentInstanceType),
            ("current_instance_group", currentInstanceGroup),
            ("current_instance_group_hosts", currentInstanceGroupHosts),
            ("instance_groups", .list(instanceGroups)),
            ("instance_groups_dict", .dict(instanceGroupsDict)),
            ("distribution_instance_groups", distributionInstanceGroups),
            ("is_hetero", .bool(instanceGroups.count > 1)),
            ("module_name", .string(moduleName)),
            ("log_level", logLevel),
            ("framework_module", frameworkModule),
            ("input_dir", .string(inputDir)),
            ("input_config_dir", .string(inputConfigDir)),
            ("output_dir", .string(outputDir)),
            ("num_cpus", .int(Int64(numCPUs))),
            ("num_gpus", .int(Int64(numGPUs))),
            ("num_neurons", .int(Int64(numNeurons))),
            ("model_dir", .string(modelDir)),
            ("module_dir", .string(moduleDir)),
            ("training_env", .dict(trainingEnv)),
            ("user_args", .list(commandArgs.map(PythonValue.string))),
            ("output_intermediate_dir", .string(outputIntermediateDir)),
        ]
        if topology.isTruthy { entries.append(("topology", topology)) }
        entries += channelInputDirs.entries.map { ("channel_" + $0.key, $0.value) }
        entries += hyperparameters.entries.map { ("hp_" + $0.key, $0.value) }
        return entries.map { (ToolkitMapping.envName($0.0), ToolkitMapping.envValue($0.1)) }
    }
}

/// `os.path.join(a, b)` for a relative or absolute `b`.
func pathJoin(_ a: String, _ b: String) -> String {
    if b.pythonStartsWith("/") || a.isEmpty { return b }
    return a.pythonEndsWith("/") ? a + b : a + "/" + b
}

/// `_parse_module_name`: drops a trailing `.py`.
private func parseModuleName(_ program: String) -> String {
    program.pythonEndsWith(".py") ? String(program.unicodeScalars.dropLast(3)) : program
}

/// `json.load` of a config file the toolkit reads.
private func loadConfig(_ text: String, file: String) throws(ToolkitError) -> PythonValue {
    do {
        return try PythonValue.jsonLoads(text)
    } catch .invalid(let reason) {
        throw .frameworkError(type: "JSONDecodeError", message: "\(file): \(reason)")
    } catch {
        throw .unsupported("\(file): \(error)")
    }
}

/// `os.environ[name] = value` accepts only `str`.
private func environString(_ value: PythonValue) throws(ToolkitError) -> String {
    guard case .string(let s) = value else {
        throw .frameworkError(type: "TypeError", message: "str expected, not \(value.pythonTypeName)")
    }
    return s
}

/// What `os.environ[name] = value` (putenv) refuses.
func checkSetenv(_ name: String, _ value: String) throws(ToolkitError) {
    if name.unicodeScalars.contains("\0") || value.unicodeScalars.contains("\0") {
        throw .frameworkError(type: "ValueError", message: "embedded null byte")
    }
    if name.unicodeScalars.contains("=") {
        throw .frameworkError(type: "ValueError", message: "illegal environment variable name")
    }
}

/// Whether Python's `int(text)` accepts `text`: surrounding whitespace, an optional sign, decimal digits with single
/// underscores between them.
private func isPythonIntLiteral(_ text: String) -> Bool {
    var scalars = Substring(text).unicodeScalars.drop { $0.properties.isWhitespace }
    while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
    if let first = scalars.first, first == "+" || first == "-" { scalars = scalars.dropFirst() }
    var previous: Unicode.Scalar? = nil
    for c in scalars {
        if c == "_" {
            guard let p = previous, p != "_" else { return false }
        } else if c.properties.numericType != .decimal {
            return false
        }
        previous = c
    }
    return previous != nil && previous != "_"
}

extension PythonValue {
    /// `v[key]` on a config value.
    func item(_ key: String) throws(ToolkitError) -> PythonValue {
        switch self {
        case .dict(let d):
            guard let value = d[key] else { throw .frameworkError(type: "KeyError", message: pythonStringRepr(key)) }
            return value
        case .list: throw .frameworkError(type: "TypeError", message: "list indices must be integers or slices, not str")
        case .string: throw .frameworkError(type: "TypeError", message: "string indices must be integers, not 'str'")
        default: throw .frameworkError(type: "TypeError", message: "'\(pythonTypeName)' object is not subscriptable")
        }
    }

    /// `v.get(key, default)` on a config value.
    func get(_ key: String, default fallback: PythonValue) throws(ToolkitError) -> PythonValue {
        guard case .dict(let d) = self else {
            throw .frameworkError(type: "AttributeError", message: "'\(pythonTypeName)' object has no attribute 'get'")
        }
        return d[key] ?? fallback
    }
}
