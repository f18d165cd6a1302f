import AWSWire
import Archive
import Checkpoints
import Foundation
import ObjectStore
import Runner

extension TrainingExecution {
    /// Lays out every host's `/opt/ml` tree: config files, channel data, the unpacked source, restored checkpoints.
    func prepareHosts(container: ContainerSpec, directory: String) async throws -> [HostRun] {
        let names = spec.hostNames
        var hosts: [HostRun] = []
        for (offset, name) in names.enumerated() {
            let root = directory + "/" + name
            let layout = HostLayout(root: root, visibleRoot: services.isolation.visibleRoot ?? root)
            try layout.create()
            try layout.writeConfig("hyperparameters.json", spec.hyperparametersJSON.encoded())
            try layout.writeConfig("inputdataconfig.json", Self.inputDataConfig(spec).encoded())
            try layout.writeConfig("resourceconfig.json", Self.resourceConfig(spec, host: name, hosts: names).encoded())
            if let uri = spec.checkpointS3Uri {
                try layout.writeConfig(
                    "checkpointconfig.json", JSONValue.object(["LocalPath": .string(spec.checkpointLocalPath), "S3Uri": .string(uri)]).encoded())
            }
            var volume = VolumeBudget(gigabytes: spec.volumeSizeInGB)
            for channel in spec.channels ?? [] {
                try await download(channel, into: layout.channelDirectory(channel.name), host: offset, hosts: names.count, volume: &volume)
            }
            if spec.entrypoint == nil, container.usesToolkit, let source = Self.submitDirectory(spec) {
                try await unpackSource(source, layout: layout, scratch: directory, volume: &volume)
            }
            hosts.append(HostRun(index: offset + 1, layout: layout, checkpoints: try await restoreCheckpoints(layout)))
        }
        return hosts
    }

    /// Copies the checkpoints into the host's LocalPath and returns the mirror that keeps S3 in step with it.
    private func restoreCheckpoints(_ layout: HostLayout) async throws -> CheckpointSync? {
        guard let uri = spec.checkpointS3Uri else { return nil }
        guard let local = layout.diskPath(forVisible: spec.checkpointLocalPath) else {
            throw JobFailure.client("CheckpointConfig.LocalPath \(spec.checkpointLocalPath) must be inside /opt/ml in Sagebox.")
        }
        do {
            let sync = try CheckpointSync(folder: local, s3Uri: uri, objects: services.objects)
            try await sync.restore()
            return sync
        } catch {
            throw JobFailure.client("cannot restore the checkpoints from \(uri): \(error)")
        }
    }

    static func inputDataConfig(_ spec: TrainingJobSpec) -> JSONValue {
        var config: [String: JSONValue] = [:]
        for channel in spec.channels ?? [] {
            var entry: [String: JSONValue] = [
                "TrainingInputMode": .string(channel.inputMode), "S3DistributionType": .string(channel.distribution),
                "RecordWrapperType": .string(channel.recordWrapper),
            ]
            if let contentType = channel.contentType { entry["ContentType"] = .string(contentType) }
            config[channel.name] = .object(entry)
        }
        return .object(config)
    }

    static func resourceConfig(_ spec: TrainingJobSpec, host: String, hosts: [String]) -> JSONValue {
        let hostList = JSONValue.array(hosts.map { .string($0) })
        return .object([
            "current_host": .string(host), "current_instance_type": .string(spec.instanceType),
            "current_group_name": .string("homogeneousCluster"), "hosts": hostList,
            "instance_groups": .array([
                .object([
                    "instance_group_name": .string("homogeneousCluster"), "instance_type": .string(spec.instanceType), "hosts": hostList,
                ])
            ]),
            "network_interface_name": .string("eth0"),
        ])
    }

    /// `sagemaker_submit_directory` as the SDK sends it (JSON-encoded), else the raw value.
    static func submitDirectory(_ spec: TrainingJobSpec) -> String? {
        guard let raw = spec.hyperparameters.first(where: { $0.0 == "sagemaker_submit_directory" })?.1 else { return nil }
        if let decoded = try? JSONValue.decode(Data(raw.utf8)).stringValue { return decoded }
        return raw
    }

    /// Copies a channel's objects into its folder (File mode; FastFile is served the same way). With
    /// `ShardedByS3Key`, host `host` of `hosts` gets every `hosts`-th object.
    private func download(
        _ channel: TrainingJobSpec.Channel, into folder: String, host: Int, hosts: Int, volume: inout VolumeBudget
    ) async throws {
        guard let location = S3Location(channel.s3Uri) else {
            throw JobFailure.client("the S3Uri \(channel.s3Uri) of channel \(channel.name) is not an s3:// URL.")
        }
        let objects = services.objects
        let listed = (try? await objects.listAll(bucket: location.bucket, prefix: location.key)) ?? []
        guard !listed.isEmpty else {
            throw JobFailure.client(
                "No S3 objects found under S3 URL \"\(channel.s3Uri)\" given in input data source. Please ensure that the bucket exists in the selected region (\(settings.region)), and that objects exist under that S3 prefix.")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, object) in listed.enumerated() where channel.distribution != "ShardedByS3Key" || index % hosts == host {
            guard let relative = Self.relativePath(key: object.key, prefix: location.key) else { continue }
            let target = folder + "/" + relative
            if object.key.hasSuffix("/") {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                continue
            }
            try volume.take(object.size, for: "Channel \(channel.name) (s3://\(location.bucket)/\(object.key), \(object.size) bytes)")
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try await objects.exportObject(bucket: location.bucket, key: object.key, to: target)
        }
    }

    /// The path of `key` under its channel folder: the key without the prefix, or its last component when the
    /// prefix names the object itself. Nil for keys that would leave the folder (`..`, empty components).
    static func relativePath(key: String, prefix: String) -> String? {
        var relative = String(key.dropFirst(prefix.count))
        while relative.hasPrefix("/") { relative.removeFirst() }
        if relative.isEmpty { relative = String(key.split(separator: "/").last ?? "") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        let trimmed = relative.hasSuffix("/") ? components.dropLast() : components[...]
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return nil }
        return relative
    }

    /// Fetches `sourcedir.tar.gz` from the store and unpacks it into `/opt/ml/code` with libarchive's safe extraction.
    private func unpackSource(_ source: String, layout: HostLayout, scratch: String, volume: inout VolumeBudget) async throws {
        let archive: String
        if let location = S3Location(source) {
            archive = scratch + "/sourcedir-\(UUID().uuidString).tar.gz"
            do {
                try await services.objects.exportObject(bucket: location.bucket, key: location.key, to: archive)
            } catch {
                throw JobFailure.client("cannot read the source code at \(source): \(error)")
            }
        } else if let local = layout.diskPath(forVisible: source) {
            archive = local
        } else {
            throw JobFailure.client("sagemaker_submit_directory \(source) is neither an s3:// URL nor inside /opt/ml.")
        }
        defer { if archive.hasPrefix(scratch) { try? FileManager.default.removeItem(atPath: archive) } }
        do {
            let (file, target, limit) = (archive, layout.codeDirectory, volume.remaining)
            let summary = try await services.io.run { try Archive.extract(file: file, into: target, limit: limit) }
            try volume.take(summary.bytes, for: "The source code \(source)")
        } catch Archive.Failure.tooLarge {
            throw volume.exceeded(by: "The source code \(source), unpacked,")
        } catch let failure as JobFailure {
            throw failure
        } catch {
            throw JobFailure.client("cannot unpack the source code \(source): \(error)")
        }
    }
}
