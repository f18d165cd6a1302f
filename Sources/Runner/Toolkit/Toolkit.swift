/// Sagebox's model of the SageMaker training toolkit (`sagemaker-training` 5.1.4): the environment and argv its
/// `train` command gives a job's entry point, without running Python.
public enum Toolkit {
    /// Follows `trainer.train()` up to spawning the user process, raising what it would raise on the way.
    ///
    /// - Parameters:
    ///   - codeDirectoryHasSetupPy: `setup.py` is in the code directory, which makes a non-`.sh` entry point a package.
    ///   - environment: the process environment the toolkit starts with. Read: `SAGEMAKER_PROGRAM`,
    ///     `SAGEMAKER_TRAINING_MODULE` (when `input.trainingModule` is nil), `SAGEMAKER_CONTAINER_LOG_LEVEL` (only
    ///     checked to be an int), `AWS_DEFAULT_REGION`, `SM_HP_MP_PARAMETERS`, `PYTHONPATH`.
    ///   `SAGEMAKER_SUBMIT_DIRECTORY` is ignored, as by the toolkit, and the job name is `input.jobName`.
    ///
    /// The caller still has to do the file system work the toolkit does in between: extract
    /// `sagemaker_submit_directory` into an empty code directory, run `installCommand`, and `chmod 0777` a
    /// `.command` entry point (the toolkit fails if it does not exist or resolves outside the code directory).
    /// Only the generic Process runner is modelled: with `sagemaker_mpi_enabled` the toolkit would use mpirun, and a
    /// framework module (`SAGEMAKER_TRAINING_MODULE`) may pick another launcher.
    public static func launch(
        _ input: ToolkitInput, codeDirectoryHasSetupPy: Bool, environment: [String: String]
    ) throws(ToolkitError) -> ToolkitLaunch {
        let env = try ToolkitEnvironment(input, environment: environment)

        if case .string(let module) = env.frameworkModule, !module.isEmpty {
            // `framework_name, entry_point_name = env.framework_module.split(":")`
            let parts = module.unicodeScalars.split(separator: ":", omittingEmptySubsequences: false).count
            if parts < 2 {
                throw .frameworkError(type: "ValueError", message: "not enough values to unpack (expected 2, got \(parts))")
            }
            if parts > 2 { throw .frameworkError(type: "ValueError", message: "too many values to unpack (expected 2)") }
        }
        try checkLogLevel(env.logLevel)

        let args = env.commandArgs
        let variables = env.environmentVariables
        let entryPoint = try EntryPointName.validate(env.userEntryPoint)
        let kind: EntryPointKind =
            if entryPoint.pythonEndsWith(".sh") { .command }
            else if codeDirectoryHasSetupPy { .pythonPackage }
            else if entryPoint.pythonEndsWith(".py") { .pythonProgram }
            else { .command }

        // environment.write_env_vars: the SM_* variables, then PYTHONPATH, each through os.environ.
        let inherited = environment["PYTHONPATH"].flatMap { $0.isEmpty ? nil : $0 }
        let written = variables + [("PYTHONPATH", [env.codeDir, inherited].compactMap { $0 }.joined(separator: ":"))]
        var result = Dictionary(env.sideEffectVariables, uniquingKeysWith: { $1 })
        for (name, value) in written {
            try checkSetenv(name, value)
            result[name] = value
        }

        let launch = ToolkitLaunch(
            environment: result, userArgs: args, entryPoint: entryPoint, entryPointKind: kind,
            workingDirectory: env.codeDir)
        // subprocess.Popen refuses NUL in any argument.
        if launch.command(python: "python").contains(where: { $0.unicodeScalars.contains("\0") }) {
            throw .frameworkError(type: "ValueError", message: "embedded null byte")
        }
        return launch
    }

    /// `logging_config.configure_logger(env.log_level)`: `logging.basicConfig(level=...)` and then `level >= INFO`,
    /// so only an int (or bool) survives both.
    private static func checkLogLevel(_ level: PythonValue) throws(ToolkitError) {
        switch level {
        case .int, .bigInt, .bool:
            return
        case .string(let name):
            let known: Set = ["CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET"]
            if !known.contains(name) {
                throw .frameworkError(type: "ValueError", message: "Unknown level: \(pythonStringRepr(name))")
            }
            throw .frameworkError(type: "TypeError", message: "'>=' not supported between instances of 'str' and 'int'")
        case .none:
            throw .frameworkError(type: "TypeError", message: "'>=' not supported between instances of 'NoneType' and 'int'")
        default:
            throw .frameworkError(type: "TypeError", message: "Level not an integer or a valid string: \(level.pythonRepr)")
        }
    }
}
