import Foundation

/// How a framework container launches the entry point across hosts, as the PyTorch DLC decides it from the
/// `sagemaker_*` hyperparameters the SDK sets for `distribution=` (runtime spec §1.7): checked in the DLC's order.
public struct Distribution: Sendable, Equatable {
    public enum Runner: String, Sendable, Equatable {
        /// One plain process per host.
        case process
        /// `torchrun` on every host.
        case torchDistributed = "torch_distributed"
        /// `mpirun` from the master host over every host.
        case mpi
        /// `mpirun` as the SMDataParallel runner starts it.
        case smDataParallel = "smdistributed dataparallel"
    }

    public let runner: Runner
    /// Processes per host: `sagemaker_mpi_num_of_processes_per_host`, else the host's GPUs, else 1.
    public let processesPerHost: Int
    /// `sagemaker_mpi_custom_mpi_options` (or the SMDDP one), split as a shell would for simple options.
    public let customMPIOptions: [String]
    /// The job imports `smdistributed` (data or model parallel): Sagebox's emulation goes on its PYTHONPATH.
    public let usesSMDistributed: Bool
    /// Distribution settings the request enables that this container's runners (or Sagebox) do not run; the job's
    /// entry point then runs as with `runner`, and its log says so.
    public let notRun: [String]

    /// The master host runs the launcher that reaches every host (MPI).
    public static let masterPort = 7777
    public static let smDataParallelServerPort = 7592

    /// - Parameters:
    ///   - pytorchContainer: the image runs the PyTorch DLC's training module (the only one with torchrun and
    ///     SMDataParallel runners); other toolkit images know only MPI and Process.
    public init(hyperparameters: [(String, String)], gpusPerHost: Int, pytorchContainer: Bool) {
        var values: [String: String] = [:]
        for (key, raw) in hyperparameters {
            // The SDK JSON-encodes every value (`true`, `2`, `"--opt x"`).
            values[key] = (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: [.fragmentsAllowed])).map { "\($0)" } ?? raw
        }
        func enabled(_ key: String) -> Bool { ["1", "true", "True"].contains(values[key] ?? "") }
        if enabled("sagemaker_mpi_enabled") {
            runner = .mpi
        } else if pytorchContainer && enabled("sagemaker_pytorch_ddp_enabled") {
            runner = .smDataParallel
        } else if pytorchContainer && enabled("sagemaker_torch_distributed_enabled") {
            runner = .torchDistributed
        } else if pytorchContainer && enabled("sagemaker_distributed_dataparallel_enabled") {
            runner = .smDataParallel
        } else {
            runner = .process
        }
        processesPerHost = values["sagemaker_mpi_num_of_processes_per_host"].flatMap { Int($0) } ?? max(1, gpusPerHost)
        let options = runner == .smDataParallel ? values["sagemaker_distributed_dataparallel_custom_mpi_options"] : values["sagemaker_mpi_custom_mpi_options"]
        customMPIOptions = (options ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        // Model parallelism comes with `mp_parameters` (which the toolkit exports as SM_HP_MP_PARAMETERS).
        usesSMDistributed = enabled("sagemaker_distributed_dataparallel_enabled") || values["mp_parameters"] != nil
        var notRun = ["sagemaker_pytorch_xla_multi_worker_enabled", "sagemaker_parameter_server_enabled",
                      "sagemaker_multi_worker_mirrored_strategy_enabled"].filter(enabled)
        if !pytorchContainer {
            notRun += ["sagemaker_torch_distributed_enabled", "sagemaker_pytorch_ddp_enabled", "sagemaker_distributed_dataparallel_enabled"]
                .filter(enabled)
        }
        if let groups = values["sagemaker_distribution_instance_groups"], groups != "[]", !groups.isEmpty {
            notRun.append("sagemaker_distribution_instance_groups")
        }
        self.notRun = notRun
    }

    public var usesMPI: Bool { runner == .mpi || runner == .smDataParallel }

    /// What the PyTorch DLC sets before any runner starts.
    public static func containerEnvironment(master: String, interface: String) -> [String: String] {
        ["MASTER_ADDR": master, "MASTER_PORT": String(masterPort), "NCCL_SOCKET_IFNAME": interface, "NCCL_IB_DISABLE": "1", "NCCL_DEBUG": "WARN"]
    }

    /// The command host `index` (0-based) of `hosts` runs for `script` (the toolkit's single-process command, e.g.
    /// `[python, "--", "train.py", args…]`); nil for an MPI worker host, whose processes the master's mpirun starts.
    public func command(script: ToolkitLaunch, python: String, hosts: [String], index: Int, interface: String, forwarded: [String])
        -> [String]?
    {
        let single = script.command(python: python)
        switch runner {
        case .process:
            return single
        case .torchDistributed:
            var command = ["torchrun", "--nnodes", String(hosts.count), "--nproc_per_node", String(processesPerHost)]
            if hosts.count > 1 {
                command += ["--master_addr", hosts[0], "--master_port", String(Self.masterPort), "--node_rank", String(index)]
            }
            return command + [script.entryPoint] + script.userArgs
        case .mpi, .smDataParallel:
            guard index == 0 else { return nil }
            return mpirun(hosts: hosts, interface: interface, forwarded: forwarded) + [python, "-m", "mpi4py", script.entryPoint] + script.userArgs
        }
    }

    /// The DLC's mpirun skeleton (runtime spec §1.7), with `forwarded` variables exported to every rank.
    func mpirun(hosts: [String], interface: String, forwarded: [String]) -> [String] {
        var command = [
            "mpirun", "--host", hosts.map { "\($0):\(processesPerHost)" }.joined(separator: ","), "-np", String(processesPerHost * hosts.count),
            "--allow-run-as-root", "--display-map", "--tag-output", "-mca", "btl_tcp_if_include", interface, "-mca", "oob_tcp_if_include",
            interface, "-mca", "plm_rsh_no_tree_spawn", "1", "-bind-to", "none", "-map-by", "slot", "-mca", "pml", "ob1", "-mca", "btl", "^openib",
            "-mca", "orte_abort_on_non_zero_status", "1", "-mca", "btl_vader_single_copy_mechanism", "none",
            "-x", "NCCL_MIN_NRINGS=4", "-x", "NCCL_SOCKET_IFNAME=\(interface)", "-x", "NCCL_DEBUG=INFO", "-x", "LD_LIBRARY_PATH", "-x", "PATH",
        ]
        if runner == .smDataParallel {
            command += ["--oversubscribe", "-mca", "plm_rsh_num_concurrent", String(hosts.count), "-x", "RDMAV_FORK_SAFE=1"]
            command += hosts.count > 1
                ? ["-x", "SMDATAPARALLEL_USE_HOMOGENEOUS=1", "-x", "SMDATAPARALLEL_SERVER_ADDR=\(hosts[0])",
                   "-x", "SMDATAPARALLEL_SERVER_PORT=\(Self.smDataParallelServerPort)", "-x", "SAGEMAKER_INSTANCE_TYPE"]
                : ["-x", "SMDATAPARALLEL_USE_SINGLENODE=1"]
        }
        for name in forwarded { command += ["-x", name] }
        return command + customMPIOptions
    }

    /// Rewrites mpirun's `--tag-output` tags `[1,N]<stdout>:` to the DLC's `[1,mpirank:N,algo-K]<stdout>:`, every
    /// one in the line: mpirun sometimes runs one rank's output on after another's.
    public func rewriteRankPrefix(_ line: String, hosts: [String]) -> String {
        guard usesMPI, line.contains("[1,") else { return line }
        var out = ""
        var rest = line[...]
        while let open = rest.range(of: "[1,") {
            out += rest[..<open.lowerBound]
            let digits = rest[open.upperBound...].prefix(while: \.isNumber)
            let close = digits.endIndex
            guard let rank = Int(digits), close < rest.endIndex, rest[close] == "]", rest[rest.index(after: close)...].hasPrefix("<") else {
                out += rest[open]
                rest = rest[open.upperBound...]
                continue
            }
            let host = hosts[min(hosts.count - 1, rank / max(1, processesPerHost))]
            out += "[1,mpirank:\(rank),\(host)]"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
