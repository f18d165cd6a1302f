import AWSWire
import Foundation
import Runner
import TrainingJobs

/// CreateTrainingJob's input rules, with SageMaker's error wording: constraint violations are collected into one
/// `N validation errors detected: …` message, as the service reports them. It reads the decoded spec.
enum TrainingJobValidation {
    static let namePattern = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"

    /// Returns the job's name.
    static func validate(_ spec: TrainingJobSpec, specs: ContainerSpecCatalog) throws -> String {
        var errors: [String] = []
        guard let name = spec.name else { throw AWSError.missingMember("TrainingJobName") }
        if name.range(of: namePattern + "$", options: .regularExpression) == nil {
            errors.append("Value '\(name)' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)")
        }
        if name.count > 63 {
            errors.append("Value '\(name)' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63")
        }
        if spec.hyperparameters.count > 100 {
            errors.append("Value at 'hyperParameters' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        for (key, value) in spec.hyperparameters {
            if key.count > 256 {
                errors.append("Value '\(key)' at 'hyperParameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256]")
            }
            if value.count > 2500 {
                errors.append("Value at 'hyperParameters' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 2500]")
            }
        }
        if let channels = spec.channels, channels.isEmpty || channels.count > 20 {
            errors.append("Value at 'inputDataConfig' failed to satisfy constraint: Member must have length \(channels.isEmpty ? "greater than or equal to 1" : "less than or equal to 20")")
        }
        for (index, channel) in (spec.channels ?? []).enumerated() {
            if channel.name.range(of: #"^[A-Za-z0-9\.\-_]+$"#, options: .regularExpression) == nil || channel.name.count > 64 {
                errors.append("Value '\(channel.name)' at 'inputDataConfig.\(index + 1).member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+")
            }
        }
        if spec.metricDefinitions.count > 40 {
            errors.append("Value at 'algorithmSpecification.metricDefinitions' failed to satisfy constraint: Member must have length less than or equal to 40")
        }
        if spec.environment.count > 100 {
            errors.append("Value at 'environment' failed to satisfy constraint: Member must have length less than or equal to 100")
        }
        for key in spec.environment.keys.sorted() where key.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) == nil || key.count > 512 {
            errors.append("Value '\(key)' at 'environment' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]")
        }
        if !errors.isEmpty {
            throw AWSError.validation("\(errors.count) validation error\(errors.count == 1 ? "" : "s") detected: " + errors.joined(separator: "; "))
        }
        try validateSemantics(spec, specs: specs)
        return name
    }

    /// Rules beyond the shape: channels, stopping conditions, and whether this machine can run the image.
    private static func validateSemantics(_ spec: TrainingJobSpec, specs: ContainerSpecCatalog) throws {
        guard spec.roleArn != nil else { throw AWSError.validation("RoleArn is required.") }
        guard let output = spec.outputPath, S3Location(output) != nil else {
            throw AWSError.validation("OutputDataConfig.S3OutputPath must be an s3:// URL.")
        }
        let channels = spec.channels ?? []
        if Set(channels.map(\.name)).count != channels.count { throw AWSError.validation("Channel names must be unique within a training job.") }
        for channel in channels {
            guard channel.hasS3DataSource else {
                throw AWSError.validation("Channel '\(channel.name)': Sagebox serves S3 data sources only (S3DataSource).")
            }
            guard S3Location(channel.s3Uri) != nil else {
                throw AWSError.validation("Channel '\(channel.name)': S3Uri must be an s3:// URL.")
            }
            guard channel.s3DataType == TrainingJobSpec.Defaults.s3DataType else {
                throw AWSError.validation("Channel '\(channel.name)': Sagebox supports S3DataType S3Prefix only (got \(channel.s3DataType)).")
            }
            if channel.inputMode == "Pipe" {
                throw AWSError.validation("Channel '\(channel.name)': Pipe input mode is not supported by Sagebox yet. Use File or FastFile.")
            }
        }
        for metric in spec.metricDefinitions {
            guard (1...255).contains(metric.name.count), (1...500).contains(metric.regex.count) else {
                throw AWSError.validation("Each MetricDefinition needs a Name of 1 to 255 characters and a Regex of 1 to 500 characters.")
            }
            guard MetricParser.regex(metric.regex) != nil else {
                throw AWSError.validation("The Regex of metric '\(metric.name)' is not a valid regular expression: \(metric.regex)")
            }
        }
        if let maxRuntime = spec.maxRuntimeSeconds, maxRuntime < 1 { throw AWSError.validation("MaxRuntimeInSeconds must be at least 1.") }
        if spec.maxWaitSeconds != nil && !spec.managedSpot {
            throw AWSError.validation("Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true")
        }
        if spec.managedSpot {
            let maxRuntime = spec.maxRuntimeSeconds ?? TrainingJobSpec.Defaults.maxRuntimeSeconds
            guard let maxWait = spec.maxWaitSeconds, maxWait >= maxRuntime else {
                throw AWSError.validation("Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds")
            }
        }
        if spec.algorithmName != nil {
            throw AWSError.validation("Sagebox runs training images; AlgorithmSpecification.AlgorithmName (marketplace and built-in algorithms) is not supported.")
        }
        guard let image = spec.image else {
            throw AWSError.validation("AlgorithmSpecification.TrainingImage is required.")
        }
        do {
            _ = try specs.spec(for: image)
        } catch {
            throw AWSError.validation(String(describing: error))
        }
    }
}
