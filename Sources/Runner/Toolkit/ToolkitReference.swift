import Foundation

/// Debug entry point for the differential test against the real toolkit (e2e/toolkit_reference/toolkit_harness.py,
/// e2e/test_toolkit_reference.py).
///
/// Wired as the hidden CLI command `sagebox _toolkit-reference BASE_DIR JOB_ENV_JSON --python PY
/// --num-cpus N --num-gpus N --num-neurons N`, printing `report(...)` on stdout.
public enum ToolkitReference {
    /// Reads a fake `/opt/ml` tree the way the toolkit does (config JSONs, `code/setup.py`,
    /// `code/requirements.txt`), runs `Toolkit.launch`, and renders the result in the harness's JSON shape:
    /// `argv`, `cwd`, `env`, `installs`, `exit_code`, `failure` (`argv`/`cwd` null and `env` empty on failure).
    /// hyperparameters.json holds strings, as SageMaker writes it. `jobEnvironmentFile` holds a JSON object of the
    /// toolkit's process environment (TRAINING_JOB_NAME, ...);
    /// `python`, `numCPUs`, `numGPUs` and `numNeurons` are what the harness reported for its own machine.
    public static func report(
        baseDirectory: String, jobEnvironmentFile: String, python: String, numCPUs: Int, numGPUs: Int, numNeurons: Int
    ) throws -> String {
        func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
        let configDir = pathJoin(pathJoin(baseDirectory, "input"), "config")
        let codeDir = pathJoin(baseDirectory, "code")

        guard case .dict(let environmentDict) = try PythonValue.jsonLoads(read(jobEnvironmentFile)),
            case .dict(let hyperparameterDict) = try PythonValue.jsonLoads(read(pathJoin(configDir, "hyperparameters.json")))
        else { throw ToolkitError.unsupported("the job environment and hyperparameters.json must be JSON objects") }
        var environment: [String: String] = [:]
        for (key, value) in environmentDict.entries { environment[key] = value.pythonStr }
        let hyperparameters = hyperparameterDict.entries.map { ($0.key, $0.value.pythonStr) }

        let input = ToolkitInput(
            baseDirectory: baseDirectory, hyperparameters: hyperparameters,
            inputDataConfigJSON: try read(pathJoin(configDir, "inputdataconfig.json")),
            resourceConfigJSON: try read(pathJoin(configDir, "resourceconfig.json")),
            jobName: environment["TRAINING_JOB_NAME"] ?? "", numCPUs: numCPUs, numGPUs: numGPUs, numNeurons: numNeurons,
            trainingModule: environment["SAGEMAKER_TRAINING_MODULE"])
        let files = FileManager.default
        let hasSetupPy = files.fileExists(atPath: pathJoin(codeDir, "setup.py"))
        let hasRequirements = files.fileExists(atPath: pathJoin(codeDir, "requirements.txt"))

        var result = PythonDict()
        do {
            let launch = try Toolkit.launch(input, codeDirectoryHasSetupPy: hasSetupPy, environment: environment)
            let install = launch.installCommand(python: python, hasRequirementsTxt: hasRequirements)
            result["argv"] = .list(launch.command(python: python).map(PythonValue.string))
            result["cwd"] = .string(launch.workingDirectory)
            result["env"] = .dict(PythonDict(launch.environment.map { ($0.key, .string($0.value)) }))
            result["installs"] = .list(install.map { [.list($0.map(PythonValue.string))] } ?? [])
            result["exit_code"] = .int(0)
            result["failure"] = PythonValue.none
        } catch {
            result["argv"] = PythonValue.none
            result["cwd"] = PythonValue.none
            result["env"] = .dict(PythonDict())
            result["installs"] = .list([])
            result["exit_code"] = .int(1)
            result["failure"] = .string(error.failureFileContents)
        }
        return PythonValue.dict(result).compactJSON
    }
}
