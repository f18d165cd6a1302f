import Testing
@testable import Runner

/// The runner the PyTorch DLC picks from the SDK's hyperparameters, and the commands it runs (runtime spec §1.7).
@Suite struct DistributionTests {
    static let script = ToolkitLaunch(
        environment: [:], userArgs: ["--epochs", "1"], entryPoint: "train.py", entryPointKind: .pythonProgram, workingDirectory: "/opt/ml/code")
    static let hosts = ["algo-1", "algo-2"]

    func distribution(_ hyperparameters: [String: String], gpus: Int = 0, pytorch: Bool = true) -> Distribution {
        Distribution(hyperparameters: hyperparameters.sorted { $0.key < $1.key }, gpusPerHost: gpus, pytorchContainer: pytorch)
    }

    @Test func runnersAreCheckedInTheDLCsOrder() {
        #expect(distribution([:]).runner == .process)
        #expect(distribution(["sagemaker_torch_distributed_enabled": "true"]).runner == .torchDistributed)
        #expect(distribution(["sagemaker_mpi_enabled": "true", "sagemaker_torch_distributed_enabled": "true"]).runner == .mpi)
        #expect(distribution(["sagemaker_distributed_dataparallel_enabled": "true"]).runner == .smDataParallel)
        #expect(distribution(["sagemaker_pytorch_ddp_enabled": "true", "sagemaker_torch_distributed_enabled": "true"]).runner == .smDataParallel)
        // Images without the PyTorch container know only MPI.
        #expect(distribution(["sagemaker_torch_distributed_enabled": "true"], pytorch: false).runner == .process)
        #expect(distribution(["sagemaker_distributed_dataparallel_enabled": "false"]).runner == .process)
    }

    @Test func whatNoRunnerHereRunsIsNamed() {
        #expect(distribution(["sagemaker_torch_distributed_enabled": "true"], pytorch: false).notRun == ["sagemaker_torch_distributed_enabled"])
        #expect(distribution(["sagemaker_pytorch_xla_multi_worker_enabled": "true"]).notRun == ["sagemaker_pytorch_xla_multi_worker_enabled"])
        #expect(distribution(["sagemaker_torch_distributed_enabled": "true"]).notRun.isEmpty)
    }

    @Test func processesPerHostComeFromTheSettingElseTheGPUs() {
        #expect(distribution([:]).processesPerHost == 1)
        #expect(distribution([:], gpus: 4).processesPerHost == 4)
        #expect(distribution(["sagemaker_mpi_num_of_processes_per_host": "2"], gpus: 8).processesPerHost == 2)
    }

    @Test func torchrunOnEveryHostWithTheMasterOptionsOnlyForSeveralHosts() {
        let torch = distribution(["sagemaker_torch_distributed_enabled": "true"], gpus: 2)
        #expect(
            torch.command(script: Self.script, python: "/py", hosts: Self.hosts, index: 1, interface: "eth0", forwarded: [])
                == ["torchrun", "--nnodes", "2", "--nproc_per_node", "2", "--master_addr", "algo-1", "--master_port", "7777", "--node_rank", "1",
                    "train.py", "--epochs", "1"])
        #expect(
            torch.command(script: Self.script, python: "/py", hosts: ["algo-1"], index: 0, interface: "lo", forwarded: [])
                == ["torchrun", "--nnodes", "1", "--nproc_per_node", "2", "train.py", "--epochs", "1"])
    }

    @Test func mpirunStartsOnTheMasterOnly() throws {
        let mpi = distribution(["sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "2",
                                "sagemaker_mpi_custom_mpi_options": "\"--NCCL_DEBUG WARN\""])
        #expect(mpi.command(script: Self.script, python: "/py", hosts: Self.hosts, index: 1, interface: "eth0", forwarded: []) == nil)
        let command = try #require(mpi.command(script: Self.script, python: "/py", hosts: Self.hosts, index: 0, interface: "eth0", forwarded: ["SM_HOSTS"]))
        #expect(Array(command.prefix(5)) == ["mpirun", "--host", "algo-1:2,algo-2:2", "-np", "4"])
        #expect(command.contains("--allow-run-as-root") && command.contains("--tag-output"))
        #expect(Array(command.suffix(6)) == ["/py", "-m", "mpi4py", "train.py", "--epochs", "1"])
        #expect(command.contains("SM_HOSTS") && command.contains("--NCCL_DEBUG"))
    }

    @Test func smDataParallelAddsItsOptions() throws {
        let smddp = distribution(["sagemaker_distributed_dataparallel_enabled": "true"], gpus: 2)
        let command = try #require(smddp.command(script: Self.script, python: "/py", hosts: Self.hosts, index: 0, interface: "eth0", forwarded: []))
        #expect(command.contains("--oversubscribe"))
        #expect(command.contains("SMDATAPARALLEL_SERVER_ADDR=algo-1") && command.contains("SMDATAPARALLEL_USE_HOMOGENEOUS=1"))
        #expect(smddp.usesSMDistributed)
        #expect(distribution(["sagemaker_mpi_enabled": "true", "mp_parameters": "{\"partitions\": 2}"]).usesSMDistributed)
    }

    @Test func rankPrefixesNameTheHost() {
        let mpi = distribution(["sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "2"])
        #expect(mpi.rewriteRankPrefix("[1,3]<stdout>:hello", hosts: Self.hosts) == "[1,mpirank:3,algo-2]<stdout>:hello")
        #expect(mpi.rewriteRankPrefix("[1,0]<stderr>:oops", hosts: Self.hosts) == "[1,mpirank:0,algo-1]<stderr>:oops")
        #expect(mpi.rewriteRankPrefix("plain line", hosts: Self.hosts) == "plain line")
        #expect(mpi.rewriteRankPrefix("[1,0]<stdout>:a}[1,2]<stdout>:b [1,x] [1,9", hosts: Self.hosts)
            == "[1,mpirank:0,algo-1]<stdout>:a}[1,mpirank:2,algo-2]<stdout>:b [1,x] [1,9")
        #expect(distribution([:]).rewriteRankPrefix("[1,3]<stdout>:x", hosts: Self.hosts) == "[1,3]<stdout>:x")
    }
}
