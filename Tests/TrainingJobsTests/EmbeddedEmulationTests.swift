import Foundation
import Testing
@testable import TrainingJobs

/// The emulation compiled into the binary is the one in emulation/ (scripts/embed-emulation.py regenerates it).
@Suite struct EmbeddedEmulationTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("emulation").path

    @Test func theEmbeddedFilesAreTheRepositorysFiles() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: Self.folder + "/smdistributed"))
        var onDisk: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasSuffix(".py") && !path.contains("__pycache__") { onDisk.append("smdistributed/" + path) }
        }
        #expect(EmbeddedEmulation.files.map(\.path).sorted() == onDisk.sorted(), "run scripts/embed-emulation.py")
        for (path, contents) in EmbeddedEmulation.files {
            #expect(try String(contentsOfFile: Self.folder + "/" + path, encoding: .utf8) == contents, "\(path) differs: run scripts/embed-emulation.py")
        }
    }

    @Test func installWritesThePackage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sagebox-emulation-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try EmbeddedEmulation.install(into: directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/smdistributed/dataparallel/torch/torch_smddp.py"))
    }
}
