import Foundation
import Testing
@testable import Archive

struct HostileCase: Sendable, CustomTestStringConvertible {
    let label: String
    let entries: [[String]]
    let failure: Archive.Failure
    var testDescription: String { label }
}

@Suite struct HostileArchiveTests {
    // Paths a successful attack would create. The `/etc` cases only ever aim at a new file name, so a
    // regression cannot damage the machine running the tests.
    static let outsideMarkers = ["/abs/evil", "/etc/sagebox-archive-evil"]

    static let cases: [HostileCase] = [
        HostileCase(label: "parent reference", entries: [["../evil", "file", "x"]],
                    failure: .parentReference(entry: "../evil")),
        HostileCase(label: "absolute path", entries: [["/abs/evil", "file", "x"]],
                    failure: .absolutePath(entry: "/abs/evil")),
        HostileCase(label: "nested parent reference", entries: [["a/../../evil", "file", "x"]],
                    failure: .parentReference(entry: "a/../../evil")),
        HostileCase(label: "absolute symlink then write through it",
                    entries: [["link", "symlink", "/etc"], ["link/sagebox-archive-evil", "file", "x"]],
                    failure: .linkOutside(entry: "link", target: "/etc")),
        HostileCase(label: "symlink climbing out", entries: [["link", "symlink", "../../outside"]],
                    failure: .linkOutside(entry: "link", target: "../../outside")),
        HostileCase(label: "nested symlink climbing out", entries: [["sub/link", "symlink", "../../outside"]],
                    failure: .linkOutside(entry: "sub/link", target: "../../outside")),
        HostileCase(label: "dot-dot after a symlink", entries: [["s", "symlink", "."], ["t", "symlink", "s/.."]],
                    failure: .linkOutside(entry: "t", target: "s/..")),
        HostileCase(label: "write through an inside symlink",
                    entries: [["sub", "dir"], ["d", "symlink", "sub"], ["d/x", "file", "x"]],
                    failure: .throughSymlink(entry: "d/x", link: "d")),
        HostileCase(label: "hard link to /etc/passwd", entries: [["h", "hardlink", "/etc/passwd"]],
                    failure: .linkOutside(entry: "h", target: "/etc/passwd")),
        HostileCase(label: "hard link climbing out", entries: [["x", "file", "x"], ["h", "hardlink", "../x"]],
                    failure: .linkOutside(entry: "h", target: "../x")),
        HostileCase(label: "hard link moving a symlink up",
                    entries: [["deep/s", "symlink", "../x"], ["h", "hardlink", "deep/s"]],
                    failure: .linkOutside(entry: "h", target: "deep/s")),
        HostileCase(label: "character device", entries: [["null", "chr"]],
                    failure: .unsupportedType(entry: "null", kind: "character device")),
        HostileCase(label: "FIFO", entries: [["pipe", "fifo"]],
                    failure: .unsupportedType(entry: "pipe", kind: "FIFO")),
    ]

    /// Each case runs with libarchive given paths relative to a thread-private working directory (the normal
    /// case on Linux) and with absolute paths (the fallback).
    @Test(arguments: cases, [true, false])
    func hostileArchiveIsRefusedAndWritesNothingOutside(_ hostile: HostileCase, privateDirectory: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.makeDirectory("outside")
        let tarball = try scratch.pythonTarball("hostile.tar.gz", hostile.entries)

        #expect(throws: hostile.failure) {
            try Archive.extract(file: tarball, into: scratch.path("jobs/code"), allowPrivateWorkingDirectory: privateDirectory)
        }
        #expect(try scratch.list("") == ["entries.json", "hostile.tar.gz", "jobs", "make-tarball.py", "outside"])
        #expect(try scratch.list("jobs") == ["code"])
        #expect(try scratch.list("outside").isEmpty)
        for marker in Self.outsideMarkers {
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test(arguments: [true, false])
    func symlinkAlreadyInTheDirectoryIsNotFollowed(privateDirectory: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.makeDirectory("outside")
        try scratch.makeDirectory("code")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("code/evil"), withDestinationPath: scratch.path("outside"))
        let tarball = try scratch.pythonTarball("hostile.tar.gz", [["evil/x", "file", "x"]])

        let failure = try extractionFailure(tarball, into: scratch.path("code"), privateDirectory: privateDirectory)
        guard case .cannotWrite(let path, let reason) = failure else {
            Issue.record("expected .cannotWrite, got \(failure)")
            return
        }
        #expect(path == "evil/x")
        #expect(reason.contains("symlink"))
        #expect(try scratch.list("outside").isEmpty)
    }

    @Test(arguments: [true, false])
    func entryReplacingAnExtractedSymlinkDoesNotWriteThroughIt(privateDirectory: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tarball = try scratch.pythonTarball("source.tar.gz", [
            ["target.txt", "file", "original"], ["l", "symlink", "target.txt"], ["l", "file", "replacement"],
            ["sub", "dir"], ["d", "symlink", "sub"], ["d", "dir", "", "700"],
        ])
        try Archive.extract(file: tarball, into: scratch.path("code"), allowPrivateWorkingDirectory: privateDirectory)
        #expect(try String(contentsOfFile: scratch.path("code/target.txt"), encoding: .utf8) == "original")
        #expect(try String(contentsOfFile: scratch.path("code/l"), encoding: .utf8) == "replacement")
        #expect(try posixMode(scratch.path("code/sub")) == 0o755)
        #expect(try posixMode(scratch.path("code/d")) == 0o700)
        let type = try FileManager.default.attributesOfItem(atPath: scratch.path("code/d"))[.type] as? FileAttributeType
        #expect(type == .typeDirectory)
    }

    #if os(Linux)
    @Test func privateWorkingDirectoryStaysOnItsThread() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let before = FileManager.default.currentDirectoryPath
        let seen = Archive.onThreadInDirectory(Array(scratch.root.utf8)) { FileManager.default.currentDirectoryPath }
        #expect(seen == scratch.root)
        #expect(FileManager.default.currentDirectoryPath == before)
    }
    #endif

    @Test func symlinkTargetRule() {
        func inside(_ target: String, depth: Int) -> Bool {
            Archive.symlinkStaysInside(target: Array(target.utf8), depth: depth)
        }
        #expect(inside("model.pth", depth: 0))
        #expect(inside("./a/./b", depth: 0))
        #expect(inside("../lib/x.so", depth: 1))
        #expect(inside("../..", depth: 2))
        #expect(!inside("../x", depth: 0))
        #expect(!inside("../../x", depth: 1))
        #expect(!inside("a/../b", depth: 3))
        #expect(!inside("/opt/ml/code/x", depth: 3))
    }

    @Test func truncatedGzipIsReportedAsCorrupt() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.makeDirectory("src")
        try pseudoRandomData(count: 1 << 20).write(to: URL(fileURLWithPath: scratch.path("src/weights.bin")))
        try Archive.create(file: scratch.path("full.tar.gz"), from: scratch.path("src"), compression: .gzip)
        let whole = try Data(contentsOf: URL(fileURLWithPath: scratch.path("full.tar.gz")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: scratch.path("half.tar.gz")))

        let failure = try extractionFailure(scratch.path("half.tar.gz"), into: scratch.path("code"))
        guard case .corrupt(let archive, let reason) = failure else {
            Issue.record("expected .corrupt, got \(failure)")
            return
        }
        #expect(archive == scratch.path("half.tar.gz"))
        #expect(!reason.isEmpty)
        #expect(failure.description.contains("half.tar.gz"))
    }

    @Test(arguments: ["this is not a tarball, just text\n", ""])
    func garbageIsReportedAsCorrupt(contents: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("sourcedir.tar.gz", contents)
        let failure = try extractionFailure(scratch.path("sourcedir.tar.gz"), into: scratch.path("code"))
        guard case .corrupt = failure else {
            Issue.record("expected .corrupt, got \(failure)")
            return
        }
    }

    @Test func missingArchiveCannotBeOpened() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let failure = try extractionFailure(scratch.path("missing.tar.gz"), into: scratch.path("code"))
        guard case .cannotOpen(let path, _) = failure else {
            Issue.record("expected .cannotOpen, got \(failure)")
            return
        }
        #expect(path == scratch.path("missing.tar.gz"))
    }

    @Test func messagesNameTheEntry() {
        #expect(Archive.Failure.parentReference(entry: "../evil").description.contains("'../evil'"))
        #expect(Archive.Failure.linkOutside(entry: "link", target: "/etc").description
            == "archive entry 'link' links to '/etc', which is or may resolve outside the extraction directory")
    }

    private func extractionFailure(_ archive: String, into directory: String, privateDirectory: Bool = true) throws -> Archive.Failure {
        do {
            let summary = try Archive.extract(file: archive, into: directory, allowPrivateWorkingDirectory: privateDirectory)
            throw ProcessFailed(description: "extraction unexpectedly succeeded: \(summary)")
        } catch let failure as Archive.Failure {
            return failure
        }
    }
}
