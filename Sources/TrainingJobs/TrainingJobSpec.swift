import AWSWire
import Foundation

/// A CreateTrainingJob request, decoded once: validation, execution and DescribeTrainingJob all read this value.
/// It keeps the request it came from (Describe echoes every field verbatim, HyperParameters byte for byte), and it
/// is persisted as that request, so every data directory written by an earlier release loads.
public struct TrainingJobSpec: Sendable {
    /// What SageMaker assumes for a field the request leaves out, named once.
    public enum Defaults {
        public static let inputMode = "File"
        public static let s3DataType = "S3Prefix"
        public static let distribution = "FullyReplicated"
        public static let recordWrapper = "None"
        public static let channelCompression = "None"
        public static let outputCompression = "GZIP"
        public static let maxRuntimeSeconds = 86_400
        public static let checkpointLocalPath = "/opt/ml/checkpoints"
        public static let keepAlivePeriodSeconds = 0
        /// The API requires VolumeSizeInGB; a request without it gets the SDK's default.
        public static let volumeSizeInGB = 30
        /// Used only when a request names no instance type at all (validation requires one in practice).
        public static let instanceType = "ml.m5.large"
    }

    public struct Channel: Sendable {
        public var name: String
        /// False when the channel's data source is not an S3DataSource (FileSystemDataSource, …).
        public var hasS3DataSource: Bool
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

    /// The request exactly as sent.
    public let request: JSONValue
    public var name: String?
    public var roleArn: String?
    /// Sorted by key; values verbatim.
    public var hyperparameters: [(String, String)]
    /// Nil when the request has no InputDataConfig.
    public var channels: [Channel]?
    public var outputPath: String?
    public var compressOutput: Bool
    public var instanceType: String
    public var instanceCount: Int
    /// Each host's ML storage volume, in GB.
    public var volumeSizeInGB: Int
    public var image: String?
    public var algorithmName: String?
    public var entrypoint: [String]?
    public var arguments: [String]?
    public var environment: [String: String]
    public var maxRuntimeSeconds: Int?
    public var maxWaitSeconds: Int?
    public var managedSpot: Bool
    public var checkpointS3Uri: String?
    public var checkpointLocalPath: String
    public var metricDefinitions: [MetricDefinition]

    /// Decodes the request; only a member of the wrong JSON type is an error here (a SerializationException, as
    /// the service answers it): constraints are `TrainingJobValidation`'s.
    public init(decoding request: JSONValue) throws {
        self.request = request
        name = request["TrainingJobName"]?.stringValue
        roleArn = request["RoleArn"]?.stringValue
        let hyperparameters = request["HyperParameters"]?.objectValue ?? [:]
        self.hyperparameters = try hyperparameters.keys.sorted().map { key in
            guard let value = hyperparameters[key]?.stringValue else {
                throw AWSError(code: "SerializationException", message: "Hyperparameter values must be strings (the value of '\(key)' is not).", status: 400)
            }
            return (key, value)
        }
        let algorithm = request["AlgorithmSpecification"]
        let defaultMode = algorithm?["TrainingInputMode"]?.stringValue ?? Defaults.inputMode
        channels = request["InputDataConfig"]?.arrayValue?.map { channel in
            let source = channel["DataSource"]?["S3DataSource"]
            return Channel(
                name: channel["ChannelName"]?.stringValue ?? "", hasS3DataSource: source != nil,
                s3DataType: source?["S3DataType"]?.stringValue ?? Defaults.s3DataType, s3Uri: source?["S3Uri"]?.stringValue ?? "",
                distribution: source?["S3DataDistributionType"]?.stringValue ?? Defaults.distribution,
                contentType: channel["ContentType"]?.stringValue, inputMode: channel["InputMode"]?.stringValue ?? defaultMode,
                recordWrapper: channel["RecordWrapperType"]?.stringValue ?? Defaults.recordWrapper,
                compression: channel["CompressionType"]?.stringValue)
        }
        outputPath = request["OutputDataConfig"]?["S3OutputPath"]?.stringValue
        compressOutput = request["OutputDataConfig"]?["CompressionType"]?.stringValue != "NONE"
        let resources = request["ResourceConfig"]
        let groups = resources?["InstanceGroups"]?.arrayValue ?? []
        instanceType = resources?["InstanceType"]?.stringValue ?? groups.first?["InstanceType"]?.stringValue ?? Defaults.instanceType
        instanceCount = max(1, resources?["InstanceCount"]?.intValue ?? groups.compactMap { $0["InstanceCount"]?.intValue }.reduce(0, +))
        volumeSizeInGB = resources?["VolumeSizeInGB"]?.intValue ?? groups.first?["VolumeSizeInGB"]?.intValue ?? Defaults.volumeSizeInGB
        image = algorithm?["TrainingImage"]?.stringValue
        algorithmName = algorithm?["AlgorithmName"]?.stringValue
        entrypoint = algorithm?["ContainerEntrypoint"]?.arrayValue?.compactMap(\.stringValue)
        arguments = algorithm?["ContainerArguments"]?.arrayValue?.compactMap(\.stringValue)
        environment = (request["Environment"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let stopping = request["StoppingCondition"]
        maxRuntimeSeconds = stopping?["MaxRuntimeInSeconds"]?.intValue
        maxWaitSeconds = stopping?["MaxWaitTimeInSeconds"]?.intValue
        managedSpot = request["EnableManagedSpotTraining"]?.boolValue ?? false
        checkpointS3Uri = request["CheckpointConfig"]?["S3Uri"]?.stringValue
        checkpointLocalPath = request["CheckpointConfig"]?["LocalPath"]?.stringValue ?? Defaults.checkpointLocalPath
        metricDefinitions = (algorithm?["MetricDefinitions"]?.arrayValue ?? []).map { definition in
            MetricDefinition(name: definition["Name"]?.stringValue ?? "", regex: definition["Regex"]?.stringValue ?? "")
        }
    }

    /// `algo-1 … algo-N`.
    public var hostNames: [String] {
        (1...instanceCount).map { "algo-\($0)" }
    }

    /// `hyperparameters.json` as the platform writes it: the request's strings verbatim.
    public var hyperparametersJSON: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: hyperparameters.map { ($0.0, JSONValue.string($0.1)) }))
    }

    /// Where the job's artifacts go: `<S3OutputPath>/<job>/output/<file>`.
    public func outputLocation(job: String, file: String) -> String {
        let path = outputPath ?? ""
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return "\(base)/\(job)/output/\(file)"
    }

    /// `ModelArtifacts.S3ModelArtifacts`: the tarball, or with CompressionType NONE the prefix holding the files.
    public func modelArtifacts(job: String) -> String {
        outputLocation(job: job, file: compressOutput ? "model.tar.gz" : "model/")
    }
}

/// Persisted as the request it was decoded from.
extension TrainingJobSpec: Codable {
    public init(from decoder: Decoder) throws {
        let request = try JSONValue(from: decoder)
        do {
            try self.init(decoding: request)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "stored request: \(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        try request.encode(to: encoder)
    }
}
