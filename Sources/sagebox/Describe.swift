import ArgumentParser
import AWSWire
import Foundation

struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a training job: status, history, metrics, artifacts.")

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Flag(help: "Print DescribeTrainingJob's JSON as it is.")
    var json = false

    func run() async throws {
        let description = try await options.client().describeJob(job)
        if json {
            let pretty = try JSONSerialization.jsonObject(with: description.encoded())
            print(String(decoding: try JSONSerialization.data(withJSONObject: pretty, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        let status = Terminal.status(description["TrainingJobStatus"]?.stringValue ?? "?")
        print("Name:        \(job)")
        print("Status:      \(status) (\(description["SecondaryStatus"]?.stringValue ?? "?"))")
        print("Image:       \(description["AlgorithmSpecification"]?["TrainingImage"]?.stringValue ?? "-")")
        print("Instances:   \(description["ResourceConfig"]?["InstanceCount"]?.intValue ?? 1) × \(description["ResourceConfig"]?["InstanceType"]?.stringValue ?? "-")")
        print("Created:     \(Formatting.time(description["CreationTime"]))")
        if let seconds = description["TrainingTimeInSeconds"]?.intValue { print("Training:    \(seconds)s") }
        if let reason = description["FailureReason"]?.stringValue { print("Failure:     \(reason)") }
        print("Model:       \(description["ModelArtifacts"]?["S3ModelArtifacts"]?.stringValue ?? "-")")
        print("\nHistory:")
        var table = Table("STATUS", "STARTED", "MESSAGE")
        table.styles = [0: Terminal.status]
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
