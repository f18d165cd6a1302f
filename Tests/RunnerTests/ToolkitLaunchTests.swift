import Foundation
import Testing
@testable import Runner

/// Toolkit.launch against outputs of the real sagemaker-training 5.1.4 (recorded with
/// e2e/toolkit_reference/toolkit_harness.py) and the spec's run evidence (shared/spec/runtime-semantics.md §1).
@Suite struct ToolkitLaunchTests {
    static let singleHost = """
        {"current_host":"algo-1","current_instance_type":"ml.m5.xlarge","current_group_name":"homogeneousCluster",\
        "hosts":["algo-1"],"instance_groups":[{"instance_group_name":"homogeneousCluster",\
        "instance_type":"ml.m5.xlarge","hosts":["algo-1"]}],"network_interface_name":"eth0"}
        """
    static let trainingChannel = """
        {"training":{"TrainingInputMode":"File","S3DistributionType":"FullyReplicated","RecordWrapperType":"None"}}
        """

    static func input(
        _ hyperparameters: [(String, String)], resourceConfig: String = singleHost, channels: String = trainingChannel
    ) -> ToolkitInput {
        ToolkitInput(
            baseDirectory: "/opt/ml", hyperparameters: hyperparameters, inputDataConfigJSON: channels,
            resourceConfigJSON: resourceConfig, jobName: "job-1", numCPUs: 2, numGPUs: 0)
    }

    static func launch(
        _ hyperparameters: [(String, String)], resourceConfig: String = singleHost, setupPy: Bool = false,
        environment: [String: String] = [:]
    ) throws -> ToolkitLaunch {
        try Toolkit.launch(
            input(hyperparameters, resourceConfig: resourceConfig), codeDirectoryHasSetupPy: setupPy,
            environment: environment)
    }

    @Test func environmentAndArgvEqualTheRealToolkitsForAMixedJob() throws {
        let launch = try Self.launch(Self.referenceHyperparameters)
        var environment = launch.environment
        #expect(environment.removeValue(forKey: "PYTHONPATH") == "/opt/ml/code")
        #expect(environment == Self.referenceEnvironment)
        for key in Set(environment.keys).union(Self.referenceEnvironment.keys) where environment[key] != Self.referenceEnvironment[key] {
            Issue.record("\(key): \(environment[key] ?? "nil") != \(Self.referenceEnvironment[key] ?? "nil")")
        }
        #expect(launch.command(python: "python") == Self.referenceArgv)
        #expect(launch.entryPoint == "train.py")
        #expect(launch.entryPointKind == .pythonProgram)
        #expect(launch.workingDirectory == "/opt/ml/code")
    }

    /// Spec §1.4's recorded run.
    @Test func commandArgsFollowTheSpecsRunEvidence() throws {
        let launch = try Self.launch([
            ("batch-size", "256"), ("lr", "0.01"), ("flag", "true"), ("Flag2", "True"), ("name", "\"abc\""),
            ("d", "{\"a\": 1, \"b\": \"x\"}"), ("lst", "[1, 2]"), ("e", "5"), ("sagemaker_program", "\"train.py\""),
            ("sagemaker_container_log_level", "20"), ("sagemaker_job_name", "\"j\""),
            ("_tuning_objective_metric", "\"loss\""), ("default_user_module_name", "\"m\""),
        ])
        #expect(launch.userArgs == [
            "--Flag2", "True", "--batch-size", "256", "-d", "a=1,b=x", "-e", "5", "--flag", "True", "--lr", "0.01",
            "--lst", "[1, 2]", "--name", "abc",
        ])
        #expect(launch.command(python: "/usr/bin/python3").prefix(3) == ["/usr/bin/python3", "--", "train.py"])
        #expect(launch.environment["SM_HPS"]
            == #"{"Flag2":"True","batch-size":256,"d":{"a":1,"b":"x"},"e":5,"flag":true,"lr":0.01,"lst":[1,2],"name":"abc"}"#)
        #expect(launch.environment["SM_FRAMEWORK_PARAMS"] == "{}")
        #expect(launch.environment["SAGEMAKER_JOB_NAME"] == "j")
        #expect(!launch.environment.keys.contains { $0.hasPrefix("SM_HP_SAGEMAKER") || $0.hasPrefix("SM_HP__") || $0.hasPrefix("SM_HP_DEFAULT") })
    }

    @Test func dictValuesInArgvUseStrOfEachValueAndNoneIsEmptyOnlyAtTopLevel() throws {
        let launch = try Self.launch([
            ("sagemaker_program", "\"train.py\""), ("n", "null"), ("d", #"{"z": null, "a": [1, "x"], "m": {"k": 1.5}}"#),
            ("empty", "\"\""), ("", "x"),
        ])
        #expect(launch.userArgs == ["", "x", "-d", "a=[1, 'x'],m={'k': 1.5},z=None", "--empty", "", "-n", ""])
        #expect(launch.environment["SM_HP_N"] == "")
        #expect(launch.environment["SM_HP_"] == "x")
    }

    @Test func laterHyperparameterWinsWhenNamesUpperCaseAlike() throws {
        let launch = try Self.launch([("sagemaker_program", "\"train.py\""), ("lr", "1"), ("LR", "2"), ("stra\u{DF}e", "3"), ("STRASSE", "4")])
        #expect(launch.environment["SM_HP_LR"] == "2")
        #expect(launch.environment["SM_HP_STRASSE"] == "4")
        #expect(launch.userArgs == ["--LR", "2", "--STRASSE", "4", "--lr", "1", "--stra\u{DF}e", "3"])
    }

    @Test func shellEntryPointsRunThroughShWithQuotedArguments() throws {
        let launch = try Self.launch([("sagemaker_program", "\"run.sh\""), ("lst", "[1, 2]"), ("name", "\"a b;c\""), ("q", "\"it's\""), ("e", "\"\"")])
        #expect(launch.entryPointKind == .command)
        #expect(launch.command(python: "python") == ["/bin/sh", "-c", #"./run.sh -e '' --lst '[1, 2]' --name 'a b;c' -q 'it'"'"'s'"#])
        let bare = try Self.launch([("sagemaker_program", "\"run.sh\"")])
        #expect(bare.command(python: "python") == ["/bin/sh", "-c", "./run.sh "])
        let other = try Self.launch([("sagemaker_program", "\"bin/train\"")], setupPy: true)
        #expect(other.entryPointKind == .pythonPackage)
        #expect(try Self.launch([("sagemaker_program", "\"bin/train\"")]).entryPointKind == .command)
    }

    @Test func packagesRunAsModulesAfterPipInstall() throws {
        let launch = try Self.launch([("sagemaker_program", "\"train.py\""), ("lr", "0.1")], setupPy: true)
        #expect(launch.entryPointKind == .pythonPackage)
        #expect(launch.command(python: "py") == ["py", "-m", "train", "--lr", "0.1"])
        #expect(launch.installCommand(python: "py", hasRequirementsTxt: true) == ["py", "-m", "pip", "install", ".", "-r", "requirements.txt"])
        #expect(launch.installCommand(python: "py", hasRequirementsTxt: false) == ["py", "-m", "pip", "install", "."])
        let program = try Self.launch([("sagemaker_program", "\"train.py\"")])
        #expect(program.installCommand(python: "py", hasRequirementsTxt: true) == ["py", "-m", "pip", "install", "-r", "requirements.txt"])
        #expect(program.installCommand(python: "py", hasRequirementsTxt: false) == nil)
        // `re.sub(r"\.py$", "")` also strips before a final newline, which the name check lets through.
        let newline = try Self.launch([("sagemaker_program", "\"train.py\\n\"")], setupPy: true)
        #expect(newline.command(python: "py") == ["py", "-m", "train\n"])
    }

    @Test func programComesFromSAGEMAKER_PROGRAMFirstAndSubmitDirectoryOnlyFromTheHyperparameter() throws {
        let launch = try Self.launch(
            [("sagemaker_program", "\"ignored.py\"")],
            environment: ["SAGEMAKER_PROGRAM": "main.py", "SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/src.tar.gz"])
        #expect(launch.entryPoint == "main.py")
        #expect(launch.environment["SM_USER_ENTRY_POINT"] == "main.py")
        #expect(launch.environment["SM_MODULE_NAME"] == "main")
        #expect(launch.environment["SM_MODULE_DIR"] == "/opt/ml/code")
        // An empty SAGEMAKER_PROGRAM is still the module name, but the entry point falls back to the hyperparameter.
        let empty = try Self.launch([("sagemaker_program", "\"train.py\"")], environment: ["SAGEMAKER_PROGRAM": ""])
        #expect(empty.entryPoint == "train.py")
        #expect(empty.environment["SM_MODULE_NAME"] == "")
    }

    @Test func missingProgramFailsWithTheToolkitsMessage() {
        #expect(throws: ToolkitError.clientError(
            "The training entry point name is empty. Set the 'sagemaker_program' hyperparameter (or ContainerEntrypoint) "
                + "to the name of the script to run, relative to your source directory -- for example 'train.py' or 'train.sh'.")
        ) { try Self.launch([("lr", "1")]) }
        #expect(throws: ToolkitError.frameworkError(type: "TypeError", message: "expected string or bytes-like object, got 'int'")) {
            try Self.launch([("sagemaker_program", "5")])
        }
    }

    static let renameAdvice = " Rename the script so its name contains only letters, digits, '.', '_', '+', '-' and '/', and does not start with '-' or '/', then set the 'sagemaker_program' hyperparameter (or ContainerEntrypoint) to the new name -- for example 'train.py' or 'bin/train.sh'."
    static let segmentAdvice = " The entry point must be a path inside your source directory. Set the 'sagemaker_program' hyperparameter (or ContainerEntrypoint) to a path relative to that directory -- for example 'train.py' or 'bin/train.sh'."

    /// Messages recorded from `process.validate_entry_point` of 5.1.4.
    @Test(arguments: [
        ("-x.py", "The training entry point '-x.py' cannot be used because it contains a leading '-', which is read as a command-line option." + renameAdvice),
        ("/abs.py", "The training entry point '/abs.py' cannot be used because it contains a leading '/', which makes it an absolute path." + renameAdvice),
        ("a b.py", "The training entry point 'a b.py' cannot be used because it contains the character(s) ' '." + renameAdvice),
        ("+x.py", "The training entry point '+x.py' cannot be used because it contains an unsupported character at the start of the name." + renameAdvice),
        ("a//b.py", "The training entry point 'a//b.py' cannot be used because it contains an unsupported character at the start of the name." + renameAdvice),
        ("dir/", "The training entry point 'dir/' cannot be used because it contains an unsupported character at the start of the name." + renameAdvice),
        ("tr\u{E9}in;rm -rf.py", "The training entry point 'tr\u{E9}in;rm -rf.py' cannot be used because it contains the character(s) ' ', ';', '\u{E9}'." + renameAdvice),
        ("it's.py", "The training entry point \"it's.py\" cannot be used because it contains the character(s) \"'\"." + renameAdvice),
        ("../x.py", "The training entry point '../x.py' cannot be used because it contains '.' or '..' path segments." + segmentAdvice),
        ("a/./b.py", "The training entry point 'a/./b.py' cannot be used because it contains '.' or '..' path segments." + segmentAdvice),
    ])
    func invalidEntryPointNamesAreRefusedAsTheToolkitWordsIt(name: String, message: String) {
        #expect(throws: ToolkitError.clientError(message)) {
            try Self.launch([("sagemaker_program", PythonValue.string(name).compactJSON)])
        }
    }

    @Test func validEntryPointNamesPass() throws {
        #expect(try Self.launch([("sagemaker_program", "\"ok/sub-dir/train_1+2.py\"")]).entryPoint == "ok/sub-dir/train_1+2.py")
        #expect(try Self.launch([("sagemaker_program", "\"train.py\\n\"")]).entryPointKind == .command)
    }

    @Test func distributionFlagsSelectTheCurrentGroupAndItsFirstHostIsMaster() throws {
        let twoHosts = """
            {"current_host":"algo-2","current_instance_type":"ml.p3.2xlarge","current_group_name":"homogeneousCluster",\
            "hosts":["algo-1","algo-2"],"instance_groups":[{"instance_group_name":"homogeneousCluster",\
            "instance_type":"ml.p3.2xlarge","hosts":["algo-2","algo-1"]}],"network_interface_name":"eth0"}
            """
        let plain = try Self.launch([("sagemaker_program", "\"train.py\"")], resourceConfig: twoHosts)
        #expect(plain.environment["SM_DISTRIBUTION_INSTANCE_GROUPS"] == "[]")
        #expect(plain.environment["SM_CURRENT_INSTANCE_GROUP_HOSTS"] == #"["algo-2","algo-1"]"#)
        #expect(plain.environment["SM_TRAINING_ENV"]?.contains(#""distribution_hosts":[],"#) == true)
        #expect(plain.environment["SM_TRAINING_ENV"]?.contains(#""is_master":false,"#) == true)
        #expect(plain.environment["SM_TRAINING_ENV"]?.contains(#""master_hostname":"algo-1","#) == true)

        // The "False" of the generic Estimator's str(False) is a non-empty string, hence truthy.
        for flag in ["true", "\"False\"", "1"] {
            let ddp = try Self.launch([("sagemaker_program", "\"train.py\""), ("sagemaker_pytorch_ddp_enabled", flag)], resourceConfig: twoHosts)
            #expect(ddp.environment["SM_DISTRIBUTION_INSTANCE_GROUPS"] == #"["homogeneousCluster"]"#)
            // distribution_hosts follow the group's own host order, so algo-2 becomes master here.
            #expect(ddp.environment["SM_TRAINING_ENV"]?.contains(#""distribution_hosts":["algo-2","algo-1"],"#) == true)
            #expect(ddp.environment["SM_TRAINING_ENV"]?.contains(#""is_master":true,"#) == true)
            #expect(ddp.environment["SM_TRAINING_ENV"]?.contains(#""master_hostname":"algo-2","#) == true)
        }
        let off = try Self.launch([("sagemaker_program", "\"train.py\""), ("sagemaker_mpi_enabled", "false")], resourceConfig: twoHosts)
        #expect(off.environment["SM_DISTRIBUTION_INSTANCE_GROUPS"] == "[]")
    }

    @Test func withoutInstanceGroupsEveryHostIsADistributionHost() throws {
        let local = #"{"current_host":"algo-2","hosts":["algo-1","algo-2"],"network_interface_name":"eth0","current_instance_type":"local"}"#
        let launch = try Self.launch([("sagemaker_program", "\"train.py\"")], resourceConfig: local)
        let env = launch.environment
        #expect(env["SM_CURRENT_INSTANCE_GROUP"] == "homogeneousCluster")
        #expect(env["SM_CURRENT_INSTANCE_GROUP_HOSTS"] == "[]")
        #expect(env["SM_INSTANCE_GROUPS"] == "[]")
        #expect(env["SM_INSTANCE_GROUPS_DICT"] == "{}")
        #expect(env["SM_TRAINING_ENV"]?.contains(#""distribution_hosts":["algo-1","algo-2"],"#) == true)
        #expect(env["SM_TRAINING_ENV"]?.contains(#""master_hostname":"algo-1","#) == true)
    }

    @Test func machineDependentValuesAndSideEffects() throws {
        let trn2 = Self.singleHost.replacingOccurrences(of: "ml.m5.xlarge", with: "ml.trn2.48xlarge")
        let launch = try Self.launch(
            [("sagemaker_program", "\"train.py\""), ("sagemaker_container_log_level", "10")], resourceConfig: trn2,
            environment: ["AWS_DEFAULT_REGION": "eu-west-1", "SM_HP_MP_PARAMETERS": "{}", "PYTHONPATH": "/extra",
                          "SAGEMAKER_TRAINING_MODULE": "pkg.mod:main"])
        #expect(launch.environment["SM_NUM_NEURONS"] == "64")
        #expect(launch.environment["SM_LOG_LEVEL"] == "10")
        #expect(launch.environment["SAGEMAKER_REGION"] == "eu-west-1")
        #expect(launch.environment["CURRENT_HOST"] == "algo-1")
        #expect(launch.environment["SM_FRAMEWORK_MODULE"] == "pkg.mod:main")
        #expect(launch.environment["PYTHONPATH"] == "/opt/ml/code:/extra")
        #expect(launch.environment["SM_TRAINING_ENV"]?.contains(#""is_modelparallel_enabled":false,"#) == true)
        #expect(launch.environment["SM_TOPOLOGY"] == nil)
        let withTopology = Self.singleHost.replacingOccurrences(
            of: #""network_interface_name":"eth0""#, with: #""network_interface_name":"eth0","topology":[{"hostName":"algo-1","capacityUnitId":"u1"}]"#)
        let gb200 = try Self.launch([("sagemaker_program", "\"train.py\"")], resourceConfig: withTopology)
        #expect(gb200.environment["SM_TOPOLOGY"] == #"[{"capacityUnitId":"u1","hostName":"algo-1"}]"#)
        #expect(gb200.environment["SAGEMAKER_REGION"] == "")
    }

    @Test func toolkitCrashesBecomeFrameworkErrors() {
        #expect(throws: ToolkitError.frameworkError(type: "KeyError", message: "'hosts'")) {
            try Self.launch([("sagemaker_program", "\"train.py\"")], resourceConfig: #"{"current_host":"algo-1"}"#)
        }
        #expect(throws: ToolkitError.frameworkError(type: "TypeError", message: "'>=' not supported between instances of 'str' and 'int'")) {
            try Self.launch([("sagemaker_program", "\"train.py\""), ("sagemaker_container_log_level", "\"INFO\"")])
        }
        #expect(throws: ToolkitError.frameworkError(type: "ValueError", message: "invalid literal for int() with base 10: 'loud'")) {
            try Self.launch([("sagemaker_program", "\"train.py\"")], environment: ["SAGEMAKER_CONTAINER_LOG_LEVEL": "loud"])
        }
        #expect(throws: ToolkitError.frameworkError(type: "ValueError", message: "not enough values to unpack (expected 2, got 1)")) {
            try Self.launch([("sagemaker_program", "\"train.py\"")], environment: ["SAGEMAKER_TRAINING_MODULE": "pkg.mod"])
        }
        #expect(throws: ToolkitError.frameworkError(type: "ValueError", message: "illegal environment variable name")) {
            try Self.launch([("sagemaker_program", "\"train.py\""), ("a=b", "1")])
        }
        #expect(throws: ToolkitError.frameworkError(type: "TypeError", message: "str expected, not int")) {
            try Self.launch([("sagemaker_program", "\"train.py\""), ("sagemaker_job_name", "7")])
        }
        #expect(throws: ToolkitError.unsupported("hyperparameter 'x': loneSurrogate(55296)")) {
            try Self.launch([("sagemaker_program", "\"train.py\""), ("x", #""\ud800""#)])
        }
        #expect(ToolkitError.frameworkError(type: "KeyError", message: "'hosts'").failureFileContents
            == "Framework Error: \nKeyError: 'hosts'\n\n'hosts'")
    }

    /// Strings recorded from `str(errors.ExecuteUserScriptError(...))` of 5.1.4.
    @Test func executeUserScriptErrorMessages() {
        #expect(ToolkitLaunch.executeUserScriptErrorMessage(command: ["/usr/bin/python3", "--", "train.py", "--lr", "0.01"], returnCode: 3)
            == "ExecuteUserScriptError:\nExitCode 3\nErrorMessage \"\"\nCommand \"/usr/bin/python3 -- train.py --lr 0.01\"")
        #expect(ToolkitLaunch.executeUserScriptErrorMessage(command: ["/usr/bin/python3", "--", "train.py"], returnCode: -9)
            == "ExecuteUserScriptError:\nExitCode -9\nErrorMessage \"\"\nCommand \"/usr/bin/python3 -- train.py\"")
        #expect(ToolkitLaunch.executeUserScriptErrorMessage(command: ["/bin/sh", "-c", "./run.sh "], returnCode: 137)
            == "ExecuteUserScriptError:\nExitCode 137\nErrorMessage \"\"\nExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"\nCommand \"/bin/sh -c ./run.sh \"")
    }

    /// The real toolkit's output for `referenceInput` (toolkit_harness.py run on that tree, base dir renamed).
    static let referenceEnvironment: [String: String] = [
        "CURRENT_HOST": "algo-1",
        "SAGEMAKER_JOB_NAME": "",
        "SAGEMAKER_REGION": "us-west-2",
        "SM_CHANNELS": "[\"training\"]",
        "SM_CHANNEL_TRAINING": "/opt/ml/input/data/training",
        "SM_CURRENT_HOST": "algo-1",
        "SM_CURRENT_INSTANCE_GROUP": "homogeneousCluster",
        "SM_CURRENT_INSTANCE_GROUP_HOSTS": "[\"algo-1\"]",
        "SM_CURRENT_INSTANCE_TYPE": "ml.m5.xlarge",
        "SM_DISTRIBUTION_INSTANCE_GROUPS": "[]",
        "SM_FRAMEWORK_MODULE": "",
        "SM_FRAMEWORK_PARAMS": "{\"sagemaker_instance_type\":\"ml.m5.xlarge\",\"sagemaker_mpi_enabled\":false}",
        "SM_HOSTS": "[\"algo-1\"]",
        "SM_HPS": "{\"Flag2\":\"True\",\"batch-size\":256,\"big\":123456789012345678901234567890,\"d\":{\"a\":1,\"b\":\"x\"},\"e\":5,\"f\":1e-05,\"flag\":true,\"lr\":0.01,\"lst\":[1,2],\"name\":\"abc\",\"u\":\"h\\u00e9llo \\ud83d\\ude00\"}",
        "SM_HP_BATCH-SIZE": "256",
        "SM_HP_BIG": "123456789012345678901234567890",
        "SM_HP_D": "{\"a\":1,\"b\":\"x\"}",
        "SM_HP_E": "5",
        "SM_HP_F": "1e-05",
        "SM_HP_FLAG": "true",
        "SM_HP_FLAG2": "True",
        "SM_HP_LR": "0.01",
        "SM_HP_LST": "[1,2]",
        "SM_HP_NAME": "abc",
        "SM_HP_U": "h\u{e9}llo \u{1f600}",
        "SM_INPUT_CONFIG_DIR": "/opt/ml/input/config",
        "SM_INPUT_DATA_CONFIG": "{\"training\":{\"RecordWrapperType\":\"None\",\"S3DistributionType\":\"FullyReplicated\",\"TrainingInputMode\":\"File\"}}",
        "SM_INPUT_DIR": "/opt/ml/input",
        "SM_INSTANCE_GROUPS": "[\"homogeneousCluster\"]",
        "SM_INSTANCE_GROUPS_DICT": "{\"homogeneousCluster\":{\"hosts\":[\"algo-1\"],\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}}",
        "SM_IS_HETERO": "false",
        "SM_LOG_LEVEL": "20",
        "SM_MODEL_DIR": "/opt/ml/model",
        "SM_MODULE_DIR": "s3://b/k/source/sourcedir.tar.gz",
        "SM_MODULE_NAME": "train",
        "SM_NETWORK_INTERFACE_NAME": "eth0",
        "SM_NUM_CPUS": "2",
        "SM_NUM_GPUS": "0",
        "SM_NUM_NEURONS": "0",
        "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
        "SM_OUTPUT_DIR": "/opt/ml/output",
        "SM_OUTPUT_INTERMEDIATE_DIR": "/opt/ml/output/intermediate",
        "SM_RESOURCE_CONFIG": "{\"current_group_name\":\"homogeneousCluster\",\"current_host\":\"algo-1\",\"current_instance_type\":\"ml.m5.xlarge\",\"hosts\":[\"algo-1\"],\"instance_groups\":[{\"hosts\":[\"algo-1\"],\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}],\"network_interface_name\":\"eth0\"}",
        "SM_TRAINING_ENV": "{\"additional_framework_parameters\":{\"sagemaker_instance_type\":\"ml.m5.xlarge\",\"sagemaker_mpi_enabled\":false},\"channel_input_dirs\":{\"training\":\"/opt/ml/input/data/training\"},\"current_host\":\"algo-1\",\"current_instance_group\":\"homogeneousCluster\",\"current_instance_group_hosts\":[\"algo-1\"],\"current_instance_type\":\"ml.m5.xlarge\",\"distribution_hosts\":[],\"distribution_instance_groups\":[],\"framework_module\":null,\"hosts\":[\"algo-1\"],\"hyperparameters\":{\"Flag2\":\"True\",\"batch-size\":256,\"big\":123456789012345678901234567890,\"d\":{\"a\":1,\"b\":\"x\"},\"e\":5,\"f\":1e-05,\"flag\":true,\"lr\":0.01,\"lst\":[1,2],\"name\":\"abc\",\"u\":\"h\\u00e9llo \\ud83d\\ude00\"},\"input_config_dir\":\"/opt/ml/input/config\",\"input_data_config\":{\"training\":{\"RecordWrapperType\":\"None\",\"S3DistributionType\":\"FullyReplicated\",\"TrainingInputMode\":\"File\"}},\"input_dir\":\"/opt/ml/input\",\"instance_groups\":[\"homogeneousCluster\"],\"instance_groups_dict\":{\"homogeneousCluster\":{\"hosts\":[\"algo-1\"],\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}},\"is_hetero\":false,\"is_master\":true,\"is_modelparallel_enabled\":null,\"is_smddpmprun_installed\":false,\"is_smddprun_installed\":false,\"job_name\":\"job-1\",\"log_level\":20,\"master_hostname\":\"algo-1\",\"model_dir\":\"/opt/ml/model\",\"module_dir\":\"s3://b/k/source/sourcedir.tar.gz\",\"module_name\":\"train\",\"network_interface_name\":\"eth0\",\"num_cpus\":2,\"num_gpus\":0,\"num_neurons\":0,\"output_data_dir\":\"/opt/ml/output/data\",\"output_dir\":\"/opt/ml/output\",\"output_intermediate_dir\":\"/opt/ml/output/intermediate\",\"resource_config\":{\"current_group_name\":\"homogeneousCluster\",\"current_host\":\"algo-1\",\"current_instance_type\":\"ml.m5.xlarge\",\"hosts\":[\"algo-1\"],\"instance_groups\":[{\"hosts\":[\"algo-1\"],\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}],\"network_interface_name\":\"eth0\"},\"topology\":[],\"user_entry_point\":\"train.py\"}",
        "SM_USER_ARGS": "[\"--Flag2\",\"True\",\"--batch-size\",\"256\",\"--big\",\"123456789012345678901234567890\",\"-d\",\"a=1,b=x\",\"-e\",\"5\",\"-f\",\"1e-05\",\"--flag\",\"True\",\"--lr\",\"0.01\",\"--lst\",\"[1, 2]\",\"--name\",\"abc\",\"-u\",\"h\\u00e9llo \\ud83d\\ude00\"]",
        "SM_USER_ENTRY_POINT": "train.py",
    ]
    static let referenceArgv = ["python", "--", "train.py", "--Flag2", "True", "--batch-size", "256", "--big", "123456789012345678901234567890", "-d", "a=1,b=x", "-e", "5", "-f", "1e-05", "--flag", "True", "--lr", "0.01", "--lst", "[1, 2]", "--name", "abc", "-u", "h\u{e9}llo \u{1f600}"]
    static let referenceHyperparameters: [(String, String)] = [
        ("batch-size", "256"),
        ("lr", "0.01"),
        ("flag", "true"),
        ("Flag2", "True"),
        ("name", "\"abc\""),
        ("d", "{\"a\": 1, \"b\": \"x\"}"),
        ("lst", "[1, 2]"),
        ("e", "5"),
        ("sagemaker_program", "\"train.py\""),
        ("sagemaker_submit_directory", "\"s3://b/k/source/sourcedir.tar.gz\""),
        ("sagemaker_region", "\"us-west-2\""),
        ("sagemaker_mpi_enabled", "false"),
        ("sagemaker_instance_type", "\"ml.m5.xlarge\""),
        ("u", "\"h\u{e9}llo \u{1f600}\""),
        ("f", "1e-5"),
        ("big", "123456789012345678901234567890"),
    ]
}
