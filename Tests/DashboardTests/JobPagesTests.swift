import AWSWire
import Foundation
import Testing
import TrainingJobs
@testable import Dashboard

/// The job pages render a record's life from its stable fields: status, transitions and the request.
@Suite struct JobPagesTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func finishedJob() throws -> TrainingJob {
        let request = JSONValue.object([
            "AlgorithmSpecification": .object([
                "TrainingImage": .string("pytorch-training:2.1"),
                "MetricDefinitions": .array([.object(["Name": .string("loss"), "Regex": .string("loss=([0-9.]+)")])]),
            ]),
            "HyperParameters": .object(["epochs": .string("3"), "lr": .string("<0.1>")]),
            "InputDataConfig": .array([
                .object(["ChannelName": .string("train"), "DataSource": .object(["S3DataSource": .object(["S3Uri": .string("s3://data/train")])])])
            ]),
            "OutputDataConfig": .object(["S3OutputPath": .string("s3://data/output")]),
        ])
        var job = TrainingJob(name: "job-1", arn: "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1", spec: try TrainingJobSpec(decoding: request), now: start)
        job.transition(.training, "Training in progress.", at: start.addingTimeInterval(2))
        job.transition(.completed, "Training job completed", status: .completed, at: start.addingTimeInterval(12))
        job.trainingSeconds = 9.6
        return job
    }

    @Test func jobsListShowsDurationAndBillableTime() throws {
        let html = JobsPage.render([JobSummary(job: try Self.finishedJob(), now: Self.start.addingTimeInterval(100))]).html
        #expect(html.contains("href=\"/_sagebox/ui/jobs/job-1\""))
        #expect(html.contains("<td class=\"num\">12s</td>"))  // created → completed
        #expect(html.contains("<td class=\"num\">10s</td>"))  // billable = training time, rounded
        #expect(html.contains("data-live=\"false\""))
    }

    @Test func jobPageHasTimelineHyperparametersLinksChartAndLog() throws {
        let summary = JobSummary(job: try Self.finishedJob(), now: Self.start.addingTimeInterval(100))
        let chart = MetricChart(name: "loss", regex: "loss=([0-9.]+)", points: [(3, 0.5), (4, 0.25)])
        let html = JobPage.render(summary, charts: [chart], log: [], logCursor: 0).html
        #expect(html.contains("id=\"timeline\"") && html.contains("Training in progress."))
        #expect(html.contains("<code>&lt;0.1&gt;</code>"))
        #expect(html.contains("href=\"/_sagebox/ui/buckets/data?prefix=train\""))
        #expect(html.contains("data-metric=\"loss\""))
        #expect(html.contains("This job wrote no log lines."))
    }
}
