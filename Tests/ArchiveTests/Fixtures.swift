import Foundation
import Testing

/// A private directory for one test; call `remove()` (deferred) when done.
struct Scratch {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("sagebox-archive-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() {
        // Extracted trees may contain read-only directories, which would block removal.
        _ = try? runProcess("chmod", ["-R", "u+rwx", root])
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func write(_ relative: String, _ contents: String, mode: Int = 0o644) throws {
        let path = path(relative)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    /// Names directly inside `relative`, sorted.
    func list(_ relative: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(relative)).sorted()
    }

    /// Builds a tarball with Python's tarfile, the way a hostile or foreign producer would. Each entry is
    /// `[name, kind, argument, mode]`: kind is file (argument: contents), dir, symlink / hardlink (argument:
    /// target), chr or fifo; the optional octal mode defaults to 755 for directories, 644 otherwise.
    /// `mode` is "w:gz", "w:bz2", "w:xz" or "w".
    func pythonTarball(_ relative: String, mode: String = "w:gz", _ entries: [[String]]) throws -> String {
        let script = """
            import io, json, sys, tarfile
            kinds = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                     "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
            with tarfile.open(sys.argv[1], sys.argv[2], format=tarfile.PAX_FORMAT) as tar:
                for name, kind, argument, mode in json.load(open(sys.argv[3])):
                    info = tarfile.TarInfo(name)
                    info.type = kinds[kind]
                    info.mode = int(mode, 8) if mode else 0o755 if kind == "dir" else 0o644
                    data = None
                    if kind == "file":
                        data = argument.encode()
                        info.size = len(data)
                    elif kind in ("symlink", "hardlink"):
                        info.linkname = argument
                    elif kind == "chr":
                        info.devmajor, info.devminor = 1, 3
                    tar.addfile(info, io.BytesIO(data) if data is not None else None)
            """
        let scriptPath = path("make-tarball.py")
        let specPath = path("entries.json")
        try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        let padded = entries.map { $0 + Array(repeating: "", count: 4 - $0.count) }
        try JSONSerialization.data(withJSONObject: padded).write(to: URL(fileURLWithPath: specPath))
        let tarball = path(relative)
        try runProcess("python3", [scriptPath, tarball, mode, specPath])
        return tarball
    }
}

struct ProcessFailed: Error, CustomStringConvertible {
    let description: String
}

/// Runs a tool found on PATH and returns its standard output; throws if it exits non-zero.
@discardableResult
func runProcess(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting, so a chatty tool cannot fill the pipe and block.
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ProcessFailed(description: "\(tool) \(arguments) failed: \(String(decoding: stderr, as: UTF8.self))")
    }
    return String(decoding: stdout, as: UTF8.self)
}

/// Entry names as Python's tarfile lists them, one per line in archive order.
func tarfileNames(_ archive: String) throws -> [String] {
    try runProcess("python3", ["-c", "import tarfile,sys; print('\\n'.join(tarfile.open(sys.argv[1]).getnames()))", archive])
        .split(separator: "\n").map(String.init)
}

func posixMode(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}
