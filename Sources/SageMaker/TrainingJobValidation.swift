import AWSWire
import Foundation
import Runner
import TrainingJobs

/// CreateTrainingJob's input rules, with SageMaker's error wording: constraint violations are collected into one
/// `N validation errors detected: …` message, as the service reports them.
enum TrainingJobValidation {
    static let namePattern = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"

    static func validate(_ input: JSONValue, specs: ContainerSpecCatalog) throws {
        var errors: [String] = []
        let name = try input.requiredString("TrainingJobName")
        if name.range(of: namePattern + "$", options: .regularExpression) == nil {
            errors.append("Value '\(name)' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)")
        }
        if name.count > 63 {
            errors.append("Value '\(name)' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63")
        }
        let hyperparameters = input["HyperParameters"]?.objectValue ?? [:]
        if hyperparameters.count > 100 {
            errors.append("Value at 'hyperParameters' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        for (key, value) in hyperparameters.sorted(by: { $0.key < $1.key }) {
            guard let text = value.stringValue else {
                throw AWSError(code: "SerializationException", message: "Hyperparameter values must be strings (the value of '\(key)' is not).", status: 400)
            }
            if key.count > 256 {
                errors.append("Value '\(key)' at 'hyperParameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256]")
            }
            if text.count > 2500 {
                errors.append("Value at 'hyperParameters' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 2500]")
            }
        }
        let channels = input["InputDataConfig"]?.arrayValue
        if let channels, channels.isEmpty || channels.count > 20 {
            errors.append("Value at 'inputDataConfig' failed to satisfy constraint: Member must have length \(channels.isEmpty ? "greater than or equal to 1" : "less than or equal to 20")")
        }
        for (index, channel) in (channels ?? []).enumerated() {
            let channelName = channel["ChannelName"]?.stringValue ?? ""
            if channelName.range(of: #"^[A-Za-z0-9\.\-_]+$"#, options: .regularExpression) == nil || channelName.count > 64 {
                errors.append("Value '\(channelName)' at 'inputDataConfig.\(index + 1).member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+")
            }
        }
        let metrics = input["AlgorithmSpecification"]?["MetricDefinitions"]?.arrayValue ?? []
        if metrics.count > 40 {
            errors.append("Value at 'algorithmSpecification.metricDefinitions' failed to satisfy constraint: Member must have length less than or equal to 40")
        }
        let environment = input["Environment"]?.objectValue ?? [:]
        if environment.count > 100 {
            errors.append("Value at 'environment' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        for key in environment.keys.sorted() where key.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) == nil || key.count > 512 {
            errors.append("Value '\(key)' at 'environment' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]")
        }
        if !errors.isEmpty {
            throw AWSError.validation("\(errors.count) validation error\(errors.count == 1 ? "" : "s") detected: " + errors.joined(separator: "; "))
        }
        try validateSemantics(input, channels: channels ?? [], metrics: metrics, specs: specs)
    }

    /// Rules beyond the shape: channels, stopping conditions, and whether this machine can run the image.
    private static func validateSemantics(_ input: JSONValue, channels: [JSONValue], metrics: [JSONValue], specs: ContainerSpecCatalog) throws {
        guard input["RoleArn"]?.stringValue != nil else { throw AWSError.validation("RoleArn is required.") }
        guard input["OutputDataConfig"]?["S3OutputPath"]?.stringValue?.hasPrefix("s3://") == true else {
            throw AWSError.validation("OutputDataConfig.S3OutputPath must be an s3:// URL.")
        }
        let names = channels.compactMap { $0["ChannelName"]?.stringValue }
        if Set(names).count != names.count { throw AWSError.validation("Channel names must be unique within a training job.") }
        let defaultMode = input["AlgorithmSpecification"]?["TrainingInputMode"]?.stringValue ?? "File"
        for channel in channels {
            let name = channel["ChannelName"]?.stringValue ?? ""
            guard let source = channel["DataSource"]?["S3DataSource"] else {
                throw AWSError.validation("Channel '\(name)': Sagebox serves S3 data sources only (S3DataSource).")
            }
            guard source["S3Uri"]?.stringValue?.hasPrefix("s3://") == true else {
                throw AWSError.validation("Channel '\(name)': S3Uri must be an s3:// URL.")
            }
            let type = source["S3DataType"]?.stringValue ?? "S3Prefix"
            guard type == "S3Prefix" else {
                throw AWSError.validation("Channel '\(name)': Sagebox supports S3DataType S3Prefix only (got \(type)).")
            }
            if (channel["InputMode"]?.stringValue ?? defaultMode) == "Pipe" {
                throw AWSError.validation("Channel '\(name)': Pipe input mode is not supported by Sagebox yet. Use File or FastFile.")
            }
        }
        for metric in metrics {
            let name = metric["Name"]?.stringValue ?? ""
            let regex = metric["Regex"]?.stringValue ?? ""
            guard (1...255).contains(name.count), (1...500).contains(regex.count) else {
                throw AWSError.validation("Each MetricDefinition needs a Name of 1 to 255 characters and a Regex of 1 to 500 characters.")
            }
            guard MetricParser.regex(regex) != nil else {
                throw AWSError.validation("The Regex of metric '\(name)' is not a valid regular expression: \(regex)")
            }
        }
        let spot = input["EnableManagedSpotTraining"]?.boolValue ?? false
        let maxRuntime = input["StoppingCondition"]?["MaxRuntimeInSeconds"]?.intValue
        let maxWait = input["StoppingCondition"]?["MaxWaitTimeInSeconds"]?.intValue
        if let maxRuntime, maxRuntime < 1 { throw AWSError.validation("MaxRuntimeInSeconds must be at least 1.") }
        if maxWait != nil && !spot {
            throw AWSError.validation("Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true")
        }
        if spot, maxWait == nil || maxWait! < (maxRuntime ?? 86_400) {
            throw AWSError.validation("Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds")
        }
        let algorithm = input["AlgorithmSpecification"]
        if algorithm?["AlgorithmName"]?.stringValue != nil {
            throw AWSError.validation("Sagebox runs training images; AlgorithmSpecification.AlgorithmName (marketplace and built-in algorithms) is not supported.")
        }
        guard let image = algorithm?["TrainingImage"]?.stringValue else {
            throw AWSError.validation("AlgorithmSpecification.TrainingImage is required.")
        }
        do {
            _ = try specs.spec(for: image)
        } catch {
            throw AWSError.validation(String(describing: error))
        }
    }
}
