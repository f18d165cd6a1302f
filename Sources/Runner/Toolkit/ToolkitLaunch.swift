/// What the platform gives the toolkit: the config files under `/opt/ml/input/config` and the machine it runs on.
public struct ToolkitInput: Sendable {
    /// `/opt/ml` as the user process sees it (the sandbox's view), or the fallback tree's path.
    public var baseDirectory: String
    /// The request's HyperParameters, raw strings, in request order (the order of hyperparameters.json).
    public var hyperparameters: [(String, String)]
    /// inputdataconfig.json as written.
    public var inputDataConfigJSON: String
    /// resourceconfig.json as written.
    public var resourceConfigJSON: String
    /// TRAINING_JOB_NAME.
    public var jobName: String
    public var numCPUs: Int
    /// What `nvidia-smi --list-gpus` would count.
    public var numGPUs: Int
    /// What `neuron-ls -j` would count; the toolkit itself says 64 on any `trn2.48xlarge` instance type.
    public var numNeurons: Int
    /// SAGEMAKER_TRAINING_MODULE if the image sets it; when nil, the `environment` passed to `Toolkit.launch` is
    /// consulted.
    public var trainingModule: String?

    public init(
        baseDirectory: String, hyperparameters: [(String, String)], inputDataConfigJSON: String,
        resourceConfigJSON: String, jobName: String, numCPUs: Int, numGPUs: Int, numNeurons: Int = 0,
        trainingModule: String? = nil
    ) {
        self.baseDirectory = baseDirectory
        self.hyperparameters = hyperparameters
        self.inputDataConfigJSON = inputDataConfigJSON
        self.resourceConfigJSON = resourceConfigJSON
        self.jobName = jobName
        self.numCPUs = numCPUs
        self.numGPUs = numGPUs
        self.numNeurons = numNeurons
        self.trainingModule = trainingModule
    }
}

/// How the toolkit runs the entry point (`_entry_point_type.get`, checked in this order).
public enum EntryPointKind: Sendable, Equatable {
    /// The name ends in `.sh`, or is neither a package nor `.py`: `chmod 0777`, then `/bin/sh -c "./<name> <args>"`.
    case command
    /// `setup.py` is in the code directory: `pip install .`, then `python -m <name without .py>`.
    case pythonPackage
    /// The name ends in `.py`: `python -- <name>`.
    case pythonProgram
}

/// The user process as sagemaker-training 5.1.4's `train` would start it on the generic (non-MPI) path.
public struct ToolkitLaunch: Sendable, Equatable {
    /// Every variable the toolkit adds to its own environment before starting the user process: the `SM_*` set,
    /// `SAGEMAKER_JOB_NAME`, `CURRENT_HOST` and `SAGEMAKER_REGION` (side effects of building its `Environment`) and
    /// `PYTHONPATH`. The user process inherits these on top of the toolkit's environment. The toolkit's PYTHONPATH
    /// is its whole `sys.path` with the code directory first; Sagebox gives the code directory followed by the
    /// inherited PYTHONPATH, the part a different interpreter does not add by itself.
    public var environment: [String: String]
    /// `to_cmd_args()` of the user hyperparameters.
    public var userArgs: [String]
    /// The validated entry point: `SAGEMAKER_PROGRAM` if set and non-empty, else hyperparameter `sagemaker_program`.
    public var entryPoint: String
    public var entryPointKind: EntryPointKind
    /// `<base>/code`: the toolkit runs the command there, and the command names the entry point relative to it.
    public var workingDirectory: String

    /// The argv as the toolkit spawns it (no shell, except the one `.sh`/command entry points are run by).
    /// `python` is the interpreter that stands in for the toolkit's `sys.executable`.
    public func command(python: String) -> [String] {
        switch entryPointKind {
        case .pythonProgram:
            return [python, "--", entryPoint] + userArgs
        case .pythonPackage:
            // re.sub(r"\.py$", ...): `$` also matches before a final newline.
            var module = entryPoint
            if module.pythonEndsWith(".py") {
                module.removeLast(3)
            } else if module.pythonEndsWith(".py\n") {
                module.removeLast(4)
                module += "\n"
            }
            return [python, "-m", module] + userArgs
        case .command:
            let args = userArgs.map(EntryPointName.shellQuote).joined(separator: " ")
            return ["/bin/sh", "-c", "./" + EntryPointName.shellQuote(entryPoint) + " " + args]
        }
    }

    /// The `pip install` the toolkit runs in the code directory before the entry point, if any: `pip install .`
    /// (plus `-r requirements.txt`) for a package, `pip install -r requirements.txt` for a `.py` program when that
    /// file exists. (With CA_REPOSITORY_ARN set the toolkit also adds a CodeArtifact `-i <index>`; not modelled.)
    public func installCommand(python: String, hasRequirementsTxt: Bool) -> [String]? {
        switch entryPointKind {
        case .pythonPackage:
            return [python, "-m", "pip", "install", "."] + (hasRequirementsTxt ? ["-r", "requirements.txt"] : [])
        case .pythonProgram where hasRequirementsTxt:
            return [python, "-m", "pip", "install", "-r", "requirements.txt"]
        default:
            return nil
        }
    }

    /// `str(ExecuteUserScriptError)` for a user command that failed, which the toolkit writes to the failure file
    /// (unless the user already wrote one) before exiting 1. `returnCode` is what Python's `Popen.wait()` gives:
    /// the exit status, or minus the signal number when the process was killed by a signal (an OOM-killed Python
    /// program is `-9`; only a shell reporting its child's SIGKILL gives 137, the one code with an `ExtraInfo`
    /// line). `errorMessage` is empty on the generic `train` path, which does not capture stderr.
    public static func executeUserScriptErrorMessage(command: [String], returnCode: Int, errorMessage: String = "") -> String {
        var lines = ["ExecuteUserScriptError:", "ExitCode \(returnCode)", "ErrorMessage \"\(errorMessage)\""]
        if returnCode == 137 { lines.append("ExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"") }
        lines.append("Command \"\(command.joined(separator: " "))\"")
        return lines.joined(separator: "\n")
    }
}
