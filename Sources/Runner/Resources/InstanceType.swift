/// How many GPUs an `ml.*` instance type gives a job: all a local run needs to know of it. Types not listed here
/// (the CPU families, and any type this table does not know) get none.
public enum InstanceType {
    public static func gpus(_ name: String) -> Int {
        gpuCounts[name] ?? 0
    }

    static let gpuCounts: [String: Int] = {
        var counts: [String: Int] = ["local_gpu": 1]
        func add(_ family: String, _ sizes: [(String, Int)]) {
            for (size, gpus) in sizes { counts["ml.\(family).\(size)"] = gpus }
        }
        add("p2", [("xlarge", 1), ("8xlarge", 8), ("16xlarge", 16)])
        add("p3", [("2xlarge", 1), ("8xlarge", 4), ("16xlarge", 8)])
        add("p3dn", [("24xlarge", 8)])
        add("p4d", [("24xlarge", 8)])
        add("p4de", [("24xlarge", 8)])
        add("p5", [("48xlarge", 8)])
        add("p5e", [("48xlarge", 8)])
        add("g4dn", [("xlarge", 1), ("2xlarge", 1), ("4xlarge", 1), ("8xlarge", 1), ("12xlarge", 4), ("16xlarge", 1)])
        let g5 = [("xlarge", 1), ("2xlarge", 1), ("4xlarge", 1), ("8xlarge", 1), ("12xlarge", 4), ("16xlarge", 1), ("24xlarge", 4), ("48xlarge", 8)]
        add("g5", g5)
        add("g6", g5)
        add("g6e", g5)
        return counts
    }()
}
