import AWSWire
import Foundation

/// The typed view of a CreateTrainingJob request: the fields Sagebox acts on.
public struct TrainingJobSpec: Sendable {
    public struct Channel: Sendable {
        public var name: String
        public var s3DataType: String
        public var s3Uri: String
        public var distribution: String
        public var contentType: String?
        public var inputMode: String
        public var recordWrapper: String
        public var compression: String?
    }

    public struct MetricDefinition: Sendable {
        public var name: String
        public var regex: String
    }

    public var hyperparameters: [(String, String)]
    public var channels: [Channel]
    public var outputPath: String
    public var compressOutput: Bool
    public var instanceType: String
    public var instanceCount: Int
    public var image: String?
    public var entrypoint: [String]?
    public var arguments: [String]?
    public var environment: [String: String]
    public var maxRuntimeSeconds: Int?
    public var maxWaitSeconds: Int?
    public var managedSpot: Bool
    public var checkpointS3Uri: String?
    public var checkpointLocalPath: String
    public var metricDefinitions: [MetricDefinition]

    public init(_ request: JSONValue) {
        let hyperparameters = request["HyperParameters"]?.objectValue ?? [:]
        self.hyperparameters = hyperparameters.keys.sorted().compactMap { key in hyperparameters[key]?.stringValue.map { (key, $0) } }
        let algorithm = request["AlgorithmSpecification"]
        let defaultMode = algorithm?["TrainingInputMode"]?.stringValue ?? "File"
        channels = (request["InputDataConfig"]?.arrayValue ?? []).map { channel in
            let source = channel["DataSource"]?["S3DataSource"]
            return Channel(
                name: channel["ChannelName"]?.stringValue ?? "", s3DataType: source?["S3DataType"]?.stringValue ?? "S3Prefix",
                s3Uri: source?["S3Uri"]?.stringValue ?? "", distribution: source?["S3DataDistributionType"]?.stringValue ?? "FullyReplicated",
                contentType: channel["ContentType"]?.stringValue, inputMode: channel["InputMode"]?.stringValue ?? defaultMode,
                recordWrapper: channel["RecordWrapperType"]?.stringValue ?? "None", compression: channel["CompressionType"]?.stringValue)
        }
        outputPath = request["OutputDataConfig"]?["S3OutputPath"]?.stringValue ?? ""
        compressOutput = request["OutputDataConfig"]?["CompressionType"]?.stringValue != "NONE"
        let resources = request["ResourceConfig"]
        let groups = resources?["InstanceGroups"]?.arrayValue ?? []
        instanceType = resources?["InstanceType"]?.stringValue ?? groups.first?["InstanceType"]?.stringValue ?? "ml.m5.large"
        instanceCount = resources?["InstanceCount"]?.intValue ?? groups.compactMap { $0["InstanceCount"]?.intValue }.reduce(0, +)
        if instanceCount < 1 { instanceCount = 1 }
        image = algorithm?["TrainingImage"]?.stringValue
        entrypoint = algorithm?["ContainerEntrypoint"]?.arrayValue?.compactMap(\.stringValue)
        arguments = algorithm?["ContainerArguments"]?.arrayValue?.compactMap(\.stringValue)
        environment = (request["Environment"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let stopping = request["StoppingCondition"]
        maxRuntimeSeconds = stopping?["MaxRuntimeInSeconds"]?.intValue
        maxWaitSeconds = stopping?["MaxWaitTimeInSeconds"]?.intValue
        managedSpot = request["EnableManagedSpotTraining"]?.boolValue ?? false
        checkpointS3Uri = request["CheckpointConfig"]?["S3Uri"]?.stringValue
        checkpointLocalPath = request["CheckpointConfig"]?["LocalPath"]?.stringValue ?? "/opt/ml/checkpoints"
        metricDefinitions = (algorithm?["MetricDefinitions"]?.arrayValue ?? []).compactMap { definition in
            guard let name = definition["Name"]?.stringValue, let regex = definition["Regex"]?.stringValue else { return nil }
            return MetricDefinition(name: name, regex: regex)
        }
    }

    /// `s3://bucket/key` split into bucket and key.
    public static func splitS3(_ uri: String) -> (bucket: String, key: String)? {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return rest.isEmpty ? nil : (String(rest), "") }
        return (String(rest[..<slash]), String(rest[rest.index(after: slash)...]))
    }

    /// Where the job's artifacts go: `<S3OutputPath>/<job>/output/<file>`.
    public func outputLocation(job: String, file: String) -> String {
        let base = outputPath.hasSuffix("/") ? String(outputPath.dropLast()) : outputPath
        return "\(base)/\(job)/output/\(file)"
    }

    /// `ModelArtifacts.S3ModelArtifacts`: the tarball, or with CompressionType NONE the prefix holding the files.
    public func modelArtifacts(job: String) -> String {
        outputLocation(job: job, file: compressOutput ? "model.tar.gz" : "model/")
    }
}
