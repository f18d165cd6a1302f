import AWSWire
import Foundation
import TrainingJobs

/// Builds DescribeTrainingJob's answer: every request field verbatim, the defaults the service fills in, and
/// the job's state.
enum DescribeRenderer {
    /// Request members that DescribeTrainingJob does not return.
    static let notEchoed: Set<String> = ["Tags", "SessionChainingConfig"]

    static func render(_ job: TrainingJob) -> JSONValue {
        var out = (job.spec.request.objectValue ?? [:]).filter { !notEchoed.contains($0.key) }
        out["TrainingJobName"] = .string(job.name)
        out["TrainingJobArn"] = .string(job.arn)
        out["TrainingJobStatus"] = .string(job.status.rawValue)
        out["SecondaryStatus"] = .string(job.secondaryStatus.rawValue)
        out["CreationTime"] = time(job.creationTime)
        out["LastModifiedTime"] = time(job.lastModifiedTime)
        out["SecondaryStatusTransitions"] = .array(
            job.transitions.map { transition in
                var entry: [String: JSONValue] = [
                    "Status": .string(transition.status.rawValue), "StartTime": time(transition.startTime),
                    "StatusMessage": .string(transition.message),
                ]
                if let end = transition.endTime { entry["EndTime"] = time(end) }
                return .object(entry)
            })
        out["ModelArtifacts"] = .object([
            "S3ModelArtifacts": .string(job.modelArtifacts ?? job.spec.modelArtifacts(job: job.name))
        ])
        if let start = job.trainingStartTime { out["TrainingStartTime"] = time(start) }
        if let end = job.trainingEndTime { out["TrainingEndTime"] = time(end) }
        if let reason = job.failureReason { out["FailureReason"] = .string(reason) }
        if !job.finalMetrics.isEmpty {
            out["FinalMetricDataList"] = .array(
                job.finalMetrics.map { .object(["MetricName": .string($0.name), "Value": .double($0.value), "Timestamp": time($0.timestamp)]) })
        }
        if job.trainingEndTime != nil, job.trainingStartTime != nil {
            // Both at least 1 s: the SDK divides by TrainingTimeInSeconds for spot savings.
            let seconds = max(1, Int(job.trainingSeconds.rounded()))
            out["TrainingTimeInSeconds"] = .int(seconds)
            out["BillableTimeInSeconds"] = .int(max(1, Int((job.billableSeconds ?? job.trainingSeconds).rounded())))
        }
        fillDefaults(&out)
        return .object(out)
    }

    /// What the service adds to a request that left it out; SDK v2's `attach` needs `OutputDataConfig.KmsKeyId`.
    static func fillDefaults(_ out: inout [String: JSONValue]) {
        typealias Defaults = TrainingJobSpec.Defaults
        var output = out["OutputDataConfig"]?.objectValue ?? [:]
        output["KmsKeyId"] = output["KmsKeyId"] ?? .string("")
        output["CompressionType"] = output["CompressionType"] ?? .string(Defaults.outputCompression)
        out["OutputDataConfig"] = .object(output)
        var algorithm = out["AlgorithmSpecification"]?.objectValue ?? [:]
        algorithm["MetricDefinitions"] = algorithm["MetricDefinitions"] ?? .array([])
        algorithm["TrainingInputMode"] = algorithm["TrainingInputMode"] ?? .string(Defaults.inputMode)
        out["AlgorithmSpecification"] = .object(algorithm)
        if let channels = out["InputDataConfig"]?.arrayValue {
            out["InputDataConfig"] = .array(
                channels.map { channel in
                    var entry = channel.objectValue ?? [:]
                    entry["CompressionType"] = entry["CompressionType"] ?? .string(Defaults.channelCompression)
                    entry["RecordWrapperType"] = entry["RecordWrapperType"] ?? .string(Defaults.recordWrapper)
                    return .object(entry)
                })
        }
        if var resources = out["ResourceConfig"]?.objectValue {
            resources["KeepAlivePeriodInSeconds"] = resources["KeepAlivePeriodInSeconds"] ?? .int(Defaults.keepAlivePeriodSeconds)
            out["ResourceConfig"] = .object(resources)
        }
        out["StoppingCondition"] = out["StoppingCondition"] ?? .object(["MaxRuntimeInSeconds": .int(Defaults.maxRuntimeSeconds)])
        for flag in ["EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining"] {
            out[flag] = out[flag] ?? .bool(false)
        }
    }

    static func summary(_ job: TrainingJob) -> JSONValue {
        var entry: [String: JSONValue] = [
            "TrainingJobName": .string(job.name), "TrainingJobArn": .string(job.arn), "CreationTime": time(job.creationTime),
            "LastModifiedTime": time(job.lastModifiedTime), "TrainingJobStatus": .string(job.status.rawValue),
            "SecondaryStatus": .string(job.secondaryStatus.rawValue),
        ]
        if let end = job.trainingEndTime { entry["TrainingEndTime"] = time(end) }
        return .object(entry)
    }

    /// JSON protocols send timestamps as epoch seconds.
    static func time(_ date: Date) -> JSONValue {
        .double((date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
