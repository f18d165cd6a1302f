import AWSWire
import Archive
import Foundation
import ObjectStore
import Runner

extension TrainingExecution {
    /// Packs `/opt/ml/model` (every host's, merged) into `<S3OutputPath>/<job>/output/model.tar.gz` — or uploads the
    /// files as they are under `output/model/` with CompressionType NONE — and `/opt/ml/output/data` into
    /// `output.tar.gz`.
    func uploadArtifacts(_ hosts: [HostRun]) async throws {
        guard let model = S3Location(spec.modelArtifacts(job: name)),
            let output = S3Location(spec.outputLocation(job: name, file: "output.tar.gz"))
        else {
            throw JobFailure.client("S3OutputPath \(spec.outputPath ?? "") is not an s3:// URL.")
        }
        let (objects, io) = (services.objects, services.io)
        let staging = objects.stagingDirectory
        let folders = hosts.map(\.layout.modelDirectory)
        let modelFolder = try await io.run { try Self.merged(folders, into: staging + "/model-\(UUID().uuidString)") }
        defer { if hosts.count > 1 { try? FileManager.default.removeItem(atPath: modelFolder) } }
        if spec.compressOutput {
            try await upload(folder: modelFolder, to: model)
        } else {
            let keepTree = settings.keepJobFiles
            let staged = try await io.run {
                try Self.files(under: modelFolder).map { file -> (file: String, path: String) in
                    let path = staging + "/" + UUID().uuidString
                    // The job's processes are gone, so a model file can move into the store as a hard link; a tree
                    // that is kept gets copies, so editing it later cannot change the stored objects.
                    if keepTree {
                        try FileManager.default.copyItem(atPath: modelFolder + "/" + file, toPath: path)
                    } else {
                        try FileManager.default.linkItem(atPath: modelFolder + "/" + file, toPath: path)
                    }
                    return (file, path)
                }
            }
            for (file, path) in staged {
                try await objects.adoptFile(path, bucket: model.bucket, key: model.key + file, contentType: nil)
            }
        }
        try await upload(folder: hosts[0].layout.outputDataDirectory, to: output)
    }

    private func upload(folder: String, to location: S3Location) async throws {
        let objects = services.objects
        let archive = objects.stagingDirectory + "/" + UUID().uuidString + ".tar.gz"
        do {
            _ = try await services.io.run { try Archive.create(file: archive, from: folder, compression: .gzip) }
            try await objects.adoptFile(archive, bucket: location.bucket, key: location.key, contentType: "application/x-tar")
        } catch {
            try? FileManager.default.removeItem(atPath: archive)
            throw error
        }
    }

    /// One folder with every host's files: the folder itself for one host, else hard links of all of them
    /// (names that clash keep the first host's file, as SageMaker documents that names must not clash).
    private static func merged(_ folders: [String], into target: String) throws -> String {
        guard folders.count > 1 else { return folders[0] }
        let manager = FileManager.default
        for folder in folders {
            for file in Self.files(under: folder) where !manager.fileExists(atPath: target + "/" + file) {
                try manager.createDirectory(atPath: ((target + "/" + file) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try manager.linkItem(atPath: folder + "/" + file, toPath: target + "/" + file)
            }
        }
        try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
        return target
    }

    /// Regular files under `folder`, as relative paths.
    static func files(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files.append(path) }
        }
        return files.sorted()
    }
}
