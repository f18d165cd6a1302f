import ArgumentParser
import AWSWire
import Foundation

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List training jobs, newest first.")

    @OptionGroup var options: EndpointOptions

    @Option(help: "Only jobs in this status (InProgress, Completed, Failed, Stopping, Stopped).")
    var status: String?

    @Option(help: "How many jobs to show.")
    var max = 50

    @Flag(help: "Keep the list up to date until interrupted: redrawn on a terminal, printed again when it changes when piped.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval: Double = 2

    func run() async throws {
        let client = try options.client()
        guard watch else {
            print(try await render(client))
            return
        }
        var last = ""
        while true {
            let table = try await render(client)
            if Terminal.stdoutColours {
                print(Terminal.clearScreen + Formatting.time(.double(Date().timeIntervalSince1970)) + "  (every \(interval)s, ^C to quit)\n\n" + table)
            } else if table != last {
                // Piped, only changes are printed, each under the time it was seen.
                print("== \(Formatting.time(.double(Date().timeIntervalSince1970)))\n\(table)")
            }
            last = table
            try await Task.sleep(for: .seconds(interval))
        }
    }

    private func render(_ client: SageboxClient) async throws -> String {
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
            return status.map { "No training jobs in status \($0)." } ?? "No training jobs yet."
        }
        var table = Table("NAME", "STATUS", "SECONDARY", "CREATED", "DURATION")
        table.styles = [1: Terminal.status, 2: Terminal.status]
        for job in summaries.prefix(max) {
            table.add(
                job["TrainingJobName"]?.stringValue ?? "", job["TrainingJobStatus"]?.stringValue ?? "",
                job["SecondaryStatus"]?.stringValue ?? "", Formatting.time(job["CreationTime"]),
                Formatting.duration(from: job["CreationTime"], to: job["TrainingEndTime"]))
        }
        return table.render()
    }
}
