import AWSWire
import Foundation
import TrainingJobs

/// What the dashboard shows of a job, read from the record and its request as CreateTrainingJob received it, so
/// the pages depend only on the record's stable fields (status, transitions, request) and not on the executor.
struct JobSummary {
    let job: TrainingJob
    let now: Date

    var name: String { job.name }
    /// Only training jobs exist today; the column is there for the kinds still to come.
    var kind: String { "Training" }
    var isLive: Bool { !job.status.isTerminal }

    /// Creation to end (or to now for a running job), as the SageMaker console's "Duration".
    var duration: Double {
        let end = job.status.isTerminal ? (job.transitions.last?.startTime ?? job.lastModifiedTime) : now
        return end.timeIntervalSince(job.creationTime)
    }

    /// What DescribeTrainingJob reports once the job has ended; nothing while it runs.
    var billableSeconds: Double? {
        guard job.status.isTerminal else { return nil }
        return max(1, (job.billableSeconds ?? job.trainingSeconds).rounded())
    }

    var trainingSeconds: Double? { job.status.isTerminal || job.trainingSeconds > 0 ? max(1, job.trainingSeconds.rounded()) : nil }

    var image: String? { job.request["AlgorithmSpecification"]?["TrainingImage"]?.stringValue }
    var instanceType: String? { job.request["ResourceConfig"]?["InstanceType"]?.stringValue }
    var instanceCount: Int { job.request["ResourceConfig"]?["InstanceCount"]?.intValue ?? 1 }
    var outputPath: String? { job.request["OutputDataConfig"]?["S3OutputPath"]?.stringValue }
    var checkpointURI: String? { job.request["CheckpointConfig"]?["S3Uri"]?.stringValue }

    var hyperparameters: [(String, String)] {
        guard case .object(let values) = job.request["HyperParameters"] ?? .object([:]) else { return [] }
        return values.map { ($0.key, $0.value.stringValue ?? "") }.sorted { $0.0 < $1.0 }
    }

    var channels: [(name: String, uri: String)] {
        (job.request["InputDataConfig"]?.arrayValue ?? []).map {
            ($0["ChannelName"]?.stringValue ?? "?", $0["DataSource"]?["S3DataSource"]?["S3Uri"]?.stringValue ?? "")
        }
    }

    var metricDefinitions: [(name: String, regex: String)] {
        (job.request["AlgorithmSpecification"]?["MetricDefinitions"]?.arrayValue ?? []).compactMap {
            guard let name = $0["Name"]?.stringValue else { return nil }
            return (name, $0["Regex"]?.stringValue ?? "")
        }
    }
}
