import Foundation
import Testing
@testable import Archive

@Suite struct RoundTripTests {
    static let bigSize = 20 << 20

    /// A model directory with everything `create` must carry: modes, nesting, an empty directory, symlinks
    /// (one dangling), unicode names, an empty file and a file larger than the copy buffer.
    static func makeTree(_ scratch: Scratch, at tree: String) throws {
        try scratch.write("\(tree)/run.sh", "#!/bin/sh\necho trained\n", mode: 0o755)
        try scratch.write("\(tree)/config/hyper.json", #"{"lr": 0.1}"#, mode: 0o600)
        try scratch.write("\(tree)/a/b/c/deep.txt", "deep\n")
        try scratch.makeDirectory("\(tree)/empty")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scratch.path("\(tree)/empty"))
        try FileManager.default.createSymbolicLink(atPath: scratch.path("\(tree)/latest"), withDestinationPath: "a/b/c/deep.txt")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("\(tree)/a/b/up"), withDestinationPath: "../../run.sh")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("\(tree)/dangling"), withDestinationPath: "not-yet")
        try scratch.write("\(tree)/données/モデル.bin", "unicode ✓")
        try scratch.write("\(tree)/zero.bin", "")
        try scratch.makeDirectory("\(tree)/big")
        try pseudoRandomData(count: bigSize).write(to: URL(fileURLWithPath: scratch.path("\(tree)/big/weights.bin")))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: scratch.path("\(tree)/a/b/c/deep.txt"))
    }

    static let expectedNames = [
        "a", "a/b", "a/b/c", "a/b/c/deep.txt", "a/b/up", "big", "big/weights.bin", "config", "config/hyper.json",
        "dangling", "données", "données/モデル.bin", "empty", "latest", "run.sh", "zero.bin",
    ]

    @Test func createThenExtractReproducesTheTree() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Self.makeTree(scratch, at: "model")

        let created = try Archive.create(file: scratch.path("model.tar.gz"), from: scratch.path("model"), compression: .gzip)
        let bytes = Int64(Self.bigSize + "#!/bin/sh\necho trained\n".utf8.count + #"{"lr": 0.1}"#.utf8.count + 5 + "unicode ✓".utf8.count)
        #expect(created == Archive.Summary(files: 9, directories: 7, bytes: bytes))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("model.tar.gz.tmp")))

        let extracted = try Archive.extract(file: scratch.path("model.tar.gz"), into: scratch.path("out/code"))
        #expect(extracted == created)
        #expect(try snapshot(scratch.path("out/code")) == snapshot(scratch.path("model")))
        #expect(try posixMode(scratch.path("out/code/run.sh")) == 0o755)
        #expect(try posixMode(scratch.path("out/code/config/hyper.json")) == 0o600)
        #expect(try posixMode(scratch.path("out/code/empty")) == 0o700)
        let modified = try FileManager.default.attributesOfItem(atPath: scratch.path("out/code/a/b/c/deep.txt"))[.modificationDate] as? Date
        #expect(modified == Date(timeIntervalSince1970: 1_000_000_000))
        #expect(try runProcess(scratch.path("out/code/run.sh"), []) == "trained\n")
    }

    @Test func pythonTarfileReadsEntriesAtTheRoot() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Self.makeTree(scratch, at: "model")
        try Archive.create(file: scratch.path("model.tar.gz"), from: scratch.path("model"), compression: .gzip)

        #expect(try tarfileNames(scratch.path("model.tar.gz")) == Self.expectedNames)
        let members = try runProcess("python3", ["-c", """
            import tarfile, sys
            for m in tarfile.open(sys.argv[1]):
                print(m.name, m.type.decode(), oct(m.mode), m.linkname, m.uid, m.size, sep="|")
            """, scratch.path("model.tar.gz")]).split(separator: "\n").map(String.init)
        #expect(members.contains("run.sh|0|0o755||0|23"))
        #expect(members.contains("empty|5|0o700||0|0"))
        #expect(members.contains("a/b/up|2|0o777|../../run.sh|0|0"))
        #expect(members.contains("big/weights.bin|0|0o644||0|\(Self.bigSize)"))
    }

    @Test func uncompressedOutputIsAPlainTar() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("data/metrics.csv", "epoch,loss\n1,0.5\n")
        try scratch.write("data/plots/loss.txt", "down\n")

        let summary = try Archive.create(file: scratch.path("output.tar"), from: scratch.path("data"), compression: .none)
        #expect(summary == Archive.Summary(files: 2, directories: 1, bytes: 22))
        let header = try Data(contentsOf: URL(fileURLWithPath: scratch.path("output.tar")))
        #expect(String(decoding: header[257..<262], as: UTF8.self) == "ustar")
        let names = try runProcess("python3", ["-c", "import tarfile,sys; print(tarfile.open(sys.argv[1], 'r:').getnames())", scratch.path("output.tar")])
        #expect(names == "['metrics.csv', 'plots', 'plots/loss.txt']\n")
    }

    @Test func anArchiveWrittenInsideTheTreeDoesNotContainItself() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("model/model.pth", "weights")

        try Archive.create(file: scratch.path("model/model.tar.gz"), from: scratch.path("model"), compression: .gzip)
        #expect(try tarfileNames(scratch.path("model/model.tar.gz")) == ["model.pth"])
        #expect(try scratch.list("model") == ["model.pth", "model.tar.gz"])
    }

    @Test func packingRefusesSpecialFilesAndLeavesNoPartialArchive() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("model/a.bin", "a")
        try scratch.makeDirectory("model/sub")
        try runProcess("mkfifo", [scratch.path("model/sub/pipe")])

        #expect(throws: Archive.Failure.unsupportedType(entry: "sub/pipe", kind: "FIFO")) {
            try Archive.create(file: scratch.path("model.tar.gz"), from: scratch.path("model"), compression: .gzip)
        }
        #expect(try scratch.list("") == ["model"])
    }

    @Test func packingAMissingDirectoryFails() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(throws: Archive.Failure.cannotOpen(path: scratch.path("nope"), reason: "No such file or directory")) {
            try Archive.create(file: scratch.path("x.tar.gz"), from: scratch.path("nope"), compression: .gzip)
        }
        #expect(try scratch.list("").isEmpty)
    }

    @Test(arguments: ["w:gz", "w:bz2", "w:xz", "w"])
    func extractionDetectsTheCompression(mode: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // A `tar czf ... -C src .` style archive: a `./` root entry (skipped) and `./`-prefixed names.
        let tarball = try scratch.pythonTarball("source", mode: mode, [
            ["./", "dir", "", "777"], ["./train.py", "file", "print('hi')\n", "755"], ["./lib", "dir"],
            ["./lib/util.py", "file", "X = 1\n"],
        ])
        let summary = try Archive.extract(file: tarball, into: scratch.path("code"))
        #expect(summary == Archive.Summary(files: 2, directories: 1, bytes: 18))
        #expect(try scratch.list("code") == ["lib", "train.py"])
        #expect(try posixMode(scratch.path("code/train.py")) == 0o755)
        #expect(try posixMode(scratch.path("code")) == 0o755)
    }

    @Test func extractionDropsSetuidAndKeepsHardLinksInside() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tarball = try scratch.pythonTarball("source.tar.gz", [
            ["bin/tool", "file", "#!/bin/sh\n", "4755"], ["bin/same", "hardlink", "bin/tool"],
            ["deep/s", "symlink", "../bin/tool"], ["deep/h", "hardlink", "deep/s"],
        ])
        let summary = try Archive.extract(file: tarball, into: scratch.path("code"))
        #expect(summary == Archive.Summary(files: 4, directories: 0, bytes: 10))
        #expect(try posixMode(scratch.path("code/bin/tool")) == 0o755)
        #expect(try String(contentsOfFile: scratch.path("code/bin/same"), encoding: .utf8) == "#!/bin/sh\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path("code/deep/s")) == "../bin/tool")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path("code/deep/h")) == "../bin/tool")
    }

    @Test func extractingIntoAnExistingTreeReplacesFiles() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("code/train.py", "old")
        try scratch.write("code/keep.txt", "kept")
        let tarball = try scratch.pythonTarball("source.tar.gz", [["train.py", "file", "new"]])
        try Archive.extract(file: tarball, into: scratch.path("code"))
        #expect(try String(contentsOfFile: scratch.path("code/train.py"), encoding: .utf8) == "new")
        #expect(try scratch.list("code") == ["keep.txt", "train.py"])
    }
}

enum Node: Equatable {
    case directory(mode: Int)
    case file(mode: Int, contents: Data)
    case symlink(target: String)
}

/// Every path under `root` with its type, mode and contents; symlinks are recorded, not followed.
func snapshot(_ root: String, relative: String = "") throws -> [String: Node] {
    var nodes: [String: Node] = [:]
    let directory = relative.isEmpty ? root : root + "/" + relative
    for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
        let path = relative.isEmpty ? name : relative + "/" + name
        let full = root + "/" + path
        let attributes = try FileManager.default.attributesOfItem(atPath: full)
        let mode = attributes[.posixPermissions] as? Int ?? -1
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            nodes[path] = .directory(mode: mode)
            try nodes.merge(snapshot(root, relative: path)) { $1 }
        case .typeSymbolicLink?:
            nodes[path] = .symlink(target: try FileManager.default.destinationOfSymbolicLink(atPath: full))
        default:
            nodes[path] = .file(mode: mode, contents: try Data(contentsOf: URL(fileURLWithPath: full)))
        }
    }
    return nodes
}

/// Incompressible, reproducible bytes (xorshift64), so the big file really exercises streaming.
func pseudoRandomData(count: Int) -> Data {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var data = Data(count: count)
    data.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for index in words.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            words[index] = state
        }
    }
    return data
}
