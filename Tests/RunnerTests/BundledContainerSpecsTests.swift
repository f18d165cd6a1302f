import Foundation
import Testing
@testable import Runner

/// The specs compiled into the executable must be the repository's `container-specs/*.json`, byte for byte:
/// `scripts/embed-container-specs.py` regenerates them, and this test catches an edit that forgot to.
@Suite struct BundledContainerSpecsTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("container-specs")

    @Test func embeddedSpecsEqualTheFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(BundledContainerSpecs.files.map(\.name) == names, "run scripts/embed-container-specs.py")
        for name in names {
            let onDisk = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            let embedded = BundledContainerSpecs.files.first { $0.name == name }?.json
            #expect(embedded == onDisk, "\(name) differs from its embedded copy: run scripts/embed-container-specs.py")
        }
    }

    @Test func catalogWithoutFoldersHasTheBundledImages() throws {
        let catalog = try ContainerSpecCatalog.load(from: [], fallbackToGeneric: false)
        #expect(catalog.specs.count == BundledContainerSpecs.files.count)
        #expect(try catalog.spec(for: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-cpu-py310").name == "pytorch")
        #expect(catalog.searched == [ContainerSpecCatalog.builtInLabel])
    }

    @Test func aFolderSpecOverridesTheBundledOneOfTheSameName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("specs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"{"name": "pytorch", "images": [{"repository": "pytorch-training"}], "python": "/custom/python"}"#
            .write(to: folder.appendingPathComponent("mine.json"), atomically: true, encoding: .utf8)
        let catalog = try ContainerSpecCatalog.load(from: [folder.path], fallbackToGeneric: false)
        #expect(try catalog.spec(for: "pytorch-training:2.1").python == "/custom/python")
        #expect(catalog.searched == [folder.path, ContainerSpecCatalog.builtInLabel])
    }
}
