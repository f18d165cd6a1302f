import Foundation
import Testing
@testable import Archive

/// A compression bomb stops at the limit instead of filling the disk.
@Suite struct ExtractionLimitTests {
    /// `count` entries of `size` zero bytes each, gzipped (a 64 MiB entry is about 64 KiB).
    func bomb(_ scratch: Scratch, count: Int = 1, size: Int = 64 << 20) throws -> String {
        let archive = scratch.path("bomb-\(count)x\(size).tar.gz")
        let script = """
            import io, sys, tarfile
            count, size = int(sys.argv[2]), int(sys.argv[3])
            with tarfile.open(sys.argv[1], "w:gz") as tar:
                for index in range(count):
                    info = tarfile.TarInfo(f"zeros-{index}.bin")
                    info.size = size
                    tar.addfile(info, io.BytesIO(bytes(size)))
            """
        _ = try runProcess("python3", ["-c", script, archive, String(count), String(size)])
        return archive
    }

    @Test func anEntryDeclaredPastTheLimitIsRefusedBeforeAByteIsWritten() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let archive = try bomb(scratch)
        #expect(throws: Archive.Failure.tooLarge(entry: "zeros-0.bin", limit: 1 << 20)) {
            try Archive.extract(file: archive, into: scratch.path("code"), limit: 1 << 20)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("code/zeros-0.bin")))
    }

    @Test func entriesCountTogether() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let archive = try bomb(scratch, count: 40, size: 1 << 20)
        #expect(throws: Archive.Failure.tooLarge(entry: "zeros-10.bin", limit: 10 << 20)) {
            try Archive.extract(file: archive, into: scratch.path("code"), limit: 10 << 20)
        }
        #expect(try scratch.list("code").count == 10)
    }

    @Test func withinTheLimitEverythingIsExtracted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let archive = try bomb(scratch)
        let summary = try Archive.extract(file: archive, into: scratch.path("code"), limit: 64 << 20)
        #expect(summary.bytes == 64 << 20)
    }
}
