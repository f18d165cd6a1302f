/// What an `ml.*` instance type provides, as far as a local run cares: how many GPUs a job gets and what
/// `SM_CURRENT_INSTANCE_TYPE` says.
public struct InstanceType: Sendable, Equatable {
    public let name: String
    public let vCPUs: Int
    public let memoryGiB: Int
    public let gpus: Int

    /// The catalogue of common training types; an unknown `ml.*` type is treated as CPU-only with a warning.
    public static func named(_ name: String) -> InstanceType? {
        catalogue[name]
    }

    static let catalogue: [String: InstanceType] = {
        var types: [String: InstanceType] = [:]
        func add(_ family: String, _ sizes: [(String, Int, Int, Int)]) {
            for (size, cpus, memory, gpus) in sizes {
                let name = "ml.\(family).\(size)"
                types[name] = InstanceType(name: name, vCPUs: cpus, memoryGiB: memory, gpus: gpus)
            }
        }
        let general: [(String, Int, Int, Int)] = [
            ("large", 2, 8, 0), ("xlarge", 4, 16, 0), ("2xlarge", 8, 32, 0), ("4xlarge", 16, 64, 0), ("8xlarge", 32, 128, 0),
            ("12xlarge", 48, 192, 0), ("16xlarge", 64, 256, 0), ("24xlarge", 96, 384, 0),
        ]
        add("m5", general)
        add("m6i", general)
        add("m7i", general)
        add("c5", general.map { ($0.0, $0.1, $0.2 / 2, 0) })
        add("c6i", general.map { ($0.0, $0.1, $0.2 / 2, 0) })
        add("r5", general.map { ($0.0, $0.1, $0.2 * 2, 0) })
        add("p2", [("xlarge", 4, 61, 1), ("8xlarge", 32, 488, 8), ("16xlarge", 64, 732, 16)])
        add("p3", [("2xlarge", 8, 61, 1), ("8xlarge", 32, 244, 4), ("16xlarge", 64, 488, 8)])
        add("p3dn", [("24xlarge", 96, 768, 8)])
        add("p4d", [("24xlarge", 96, 1152, 8)])
        add("p4de", [("24xlarge", 96, 1152, 8)])
        add("p5", [("48xlarge", 192, 2048, 8)])
        add("p5e", [("48xlarge", 192, 2048, 8)])
        add("g4dn", [("xlarge", 4, 16, 1), ("2xlarge", 8, 32, 1), ("4xlarge", 16, 64, 1), ("8xlarge", 32, 128, 1), ("12xlarge", 48, 192, 4), ("16xlarge", 64, 256, 1)])
        let g5: [(String, Int, Int, Int)] = [
            ("xlarge", 4, 16, 1), ("2xlarge", 8, 32, 1), ("4xlarge", 16, 64, 1), ("8xlarge", 32, 128, 1), ("12xlarge", 48, 192, 4),
            ("16xlarge", 64, 256, 1), ("24xlarge", 96, 384, 4), ("48xlarge", 192, 768, 8),
        ]
        add("g5", g5)
        add("g6", g5)
        add("g6e", g5)
        add("trn1", [("2xlarge", 8, 32, 0), ("32xlarge", 128, 512, 0)])
        types["local"] = InstanceType(name: "local", vCPUs: 0, memoryGiB: 0, gpus: 0)
        types["local_gpu"] = InstanceType(name: "local_gpu", vCPUs: 0, memoryGiB: 0, gpus: 1)
        return types
    }()
}
