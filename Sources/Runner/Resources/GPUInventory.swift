import Foundation

/// The NVIDIA GPUs on this machine, as `nvidia-smi --list-gpus` reports them (the toolkit counts GPUs the same way).
public struct GPUInventory: Sendable {
    public let indices: [Int]

    public init(indices: [Int]) {
        self.indices = indices
    }

    /// Runs `nvidia-smi --list-gpus`; no binary or a failure means no GPUs.
    public static func detect() -> GPUInventory {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nvidia-smi", "--list-gpus"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return GPUInventory(indices: [])
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return GPUInventory(indices: []) }
        return GPUInventory(indices: parse(String(decoding: data, as: UTF8.self)))
    }

    /// Lines like `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)`.
    static func parse(_ output: String) -> [Int] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("GPU ") else { return nil }
            return Int(line.dropFirst(4).prefix { $0.isNumber })
        }
    }
}
