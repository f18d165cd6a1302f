import ArgumentParser
import AWSWire
import Foundation

/// Options every client command shares.
struct EndpointOptions: ParsableArguments {
    @Option(help: "The Sagebox endpoint (default: $AWS_ENDPOINT_URL, else http://127.0.0.1:9700).")
    var endpoint: String?

    func client() throws -> SageboxClient { try SageboxClient(endpoint: endpoint) }
}

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List training jobs, newest first.")

    @OptionGroup var options: EndpointOptions

    @Option(help: "Only jobs in this status (InProgress, Completed, Failed, Stopping, Stopped).")
    var status: String?

    @Option(help: "How many jobs to show.")
    var max = 50

    func run() async throws {
        let client = try options.client()
        var summaries: [JSONValue] = []
        var token: String? = nil
        repeat {
            var input: [String: JSONValue] = ["MaxResults": .int(100), "SortOrder": .string("Descending")]
            if let token { input["NextToken"] = .string(token) }
            let page = try await client.sagemaker("ListTrainingJobs", .object(input))
            summaries += page["TrainingJobSummaries"]?.arrayValue ?? []
            token = page["NextToken"]?.stringValue
        } while token != nil && summaries.count < max * 4
        if let status { summaries = summaries.filter { $0["TrainingJobStatus"]?.stringValue == status } }
        guard !summaries.isEmpty else {
            print(status.map { "No training jobs in status \($0)." } ?? "No training jobs yet.")
            return
        }
        var table = Table("NAME", "STATUS", "SECONDARY", "CREATED", "DURATION")
        for job in summaries.prefix(max) {
            table.add(
                job["TrainingJobName"]?.stringValue ?? "", job["TrainingJobStatus"]?.stringValue ?? "",
                job["SecondaryStatus"]?.stringValue ?? "", Formatting.time(job["CreationTime"]),
                Formatting.duration(from: job["CreationTime"], to: job["TrainingEndTime"]))
        }
        print(table.render())
    }
}

struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a training job: status, history, metrics, artifacts.")

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Flag(help: "Print DescribeTrainingJob's JSON as it is.")
    var json = false

    func run() async throws {
        let description = try await options.client().sagemaker("DescribeTrainingJob", .object(["TrainingJobName": .string(job)]))
        if json {
            let pretty = try JSONSerialization.jsonObject(with: description.encoded())
            print(String(decoding: try JSONSerialization.data(withJSONObject: pretty, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        print("Name:        \(job)")
        print("Status:      \(description["TrainingJobStatus"]?.stringValue ?? "?") (\(description["SecondaryStatus"]?.stringValue ?? "?"))")
        print("Image:       \(description["AlgorithmSpecification"]?["TrainingImage"]?.stringValue ?? "-")")
        print("Instances:   \(description["ResourceConfig"]?["InstanceCount"]?.intValue ?? 1) × \(description["ResourceConfig"]?["InstanceType"]?.stringValue ?? "-")")
        print("Created:     \(Formatting.time(description["CreationTime"]))")
        if let seconds = description["TrainingTimeInSeconds"]?.intValue { print("Training:    \(seconds)s") }
        if let reason = description["FailureReason"]?.stringValue { print("Failure:     \(reason)") }
        print("Model:       \(description["ModelArtifacts"]?["S3ModelArtifacts"]?.stringValue ?? "-")")
        print("\nHistory:")
        var table = Table("STATUS", "STARTED", "MESSAGE")
        for transition in description["SecondaryStatusTransitions"]?.arrayValue ?? [] {
            table.add(
                transition["Status"]?.stringValue ?? "", Formatting.time(transition["StartTime"]), transition["StatusMessage"]?.stringValue ?? "")
        }
        print(table.render())
        if let metrics = description["FinalMetricDataList"]?.arrayValue, !metrics.isEmpty {
            print("\nFinal metrics:")
            var metricTable = Table("METRIC", "VALUE")
            for metric in metrics {
                metricTable.add(metric["MetricName"]?.stringValue ?? "", metric["Value"]?.doubleValue.map { String($0) } ?? "")
            }
            print(metricTable.render())
        }
    }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a running training job (SIGTERM, then SIGKILL after the server's grace period).")

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Flag(help: "Wait until the job has stopped, showing its progress.")
    var wait = false

    func run() async throws {
        let client = try options.client()
        _ = try await client.sagemaker("StopTrainingJob", .object(["TrainingJobName": .string(job)]))
        print("Stopping \(job)")
        guard wait else { return }
        var last = ""
        while true {
            let description = try await client.sagemaker("DescribeTrainingJob", .object(["TrainingJobName": .string(job)]))
            let status = "\(description["TrainingJobStatus"]?.stringValue ?? "?") - \(description["SecondaryStatus"]?.stringValue ?? "?")"
            if status != last {
                print(status)
                last = status
            }
            if ["Stopped", "Completed", "Failed"].contains(description["TrainingJobStatus"]?.stringValue ?? "") { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
