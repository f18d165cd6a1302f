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

    var image: String? { job.spec.image }
    var instanceType: String? { job.spec.instanceType }
    var instanceCount: Int { job.spec.instanceCount }
    var outputPath: String? { job.spec.outputPath }
    var checkpointURI: String? { job.spec.checkpointS3Uri }
    var hyperparameters: [(String, String)] { job.spec.hyperparameters }
    var channels: [(name: String, uri: String)] { (job.spec.channels ?? []).map { ($0.name, $0.s3Uri) } }
    var metricDefinitions: [(name: String, regex: String)] { job.spec.metricDefinitions.map { ($0.name, $0.regex) } }
}
