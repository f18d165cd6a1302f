import ArgumentParser
import AWSWire
import Foundation

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a training job's log, every host's stream merged in time order.")

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Flag(name: .shortAndLong, help: "Keep printing new lines until the job ends.")
    var follow = false

    static let group = "/aws/sagemaker/TrainingJobs"

    func run() async throws {
        let client = try options.client()
        var tokens: [String: String] = [:]
        while true {
            let description = try await client.describeJob(job)
            let finished = ["Completed", "Failed", "Stopped"].contains(description["TrainingJobStatus"]?.stringValue ?? "")
            try await drain(client, tokens: &tokens)
            if !follow || finished { return }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Prints every new event of every stream of the job.
    private func drain(_ client: SageboxClient, tokens: inout [String: String]) async throws {
        let streams: JSONValue
        do {
            streams = try await client.logs(
                "DescribeLogStreams", .object(["logGroupName": .string(Self.group), "logStreamNamePrefix": .string(job + "/")]))
        } catch let error as SageboxClient.ClientError where error.description.hasPrefix("ResourceNotFoundException") {
            return
        }
        var events: [(Int, String, String)] = []
        for stream in streams["logStreams"]?.arrayValue?.compactMap({ $0["logStreamName"]?.stringValue }) ?? [] {
            while true {
                var input: [String: JSONValue] = [
                    "logGroupName": .string(Self.group), "logStreamName": .string(stream), "startFromHead": .bool(true),
                ]
                if let token = tokens[stream] { input["nextToken"] = .string(token) }
                let page = try await client.logs("GetLogEvents", .object(input))
                let batch = page["events"]?.arrayValue ?? []
                tokens[stream] = page["nextForwardToken"]?.stringValue
                for event in batch {
                    events.append((event["timestamp"]?.intValue ?? 0, stream, event["message"]?.stringValue ?? ""))
                }
                if batch.isEmpty { break }
            }
        }
        let hosts = Set(events.map(\.1)).count
        for (_, stream, message) in events.sorted(by: { $0.0 < $1.0 }) {
            // With several hosts each line says which one wrote it, as the SDK's tailer does.
            print(hosts > 1 ? "[\(stream.split(separator: "/").last.map { $0.split(separator: "-").prefix(2).joined(separator: "-") } ?? stream)] \(message)" : message)
        }
    }
}
