import ArgumentParser
import AWSWire
import Foundation

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a running training job (SIGTERM, then SIGKILL after the server's grace period).")

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Flag(help: "Wait until the job has stopped, showing its progress and how long the stop grace has left.")
    var wait = false

    /// How often `--wait` repeats how long the grace has left, so a quiet minute does not look like a hang.
    static let reminderSeconds: Double = 10

    func run() async throws {
        let client = try options.client()
        _ = try await client.naming(job) { try await client.sagemaker("StopTrainingJob", .object(["TrainingJobName": .string(job)])) }
        let stoppedAt = Date()
        print("Stopping \(job)")
        guard wait else { return }
        let grace = StopGrace(job: job, description: try await client.describeJob(job), health: await client.health())
        var last = ""
        var reminded = stoppedAt
        var explained = false
        while true {
            let description = try await client.describeJob(job)
            let status = description["TrainingJobStatus"]?.stringValue ?? "?"
            let line = "\(Terminal.status(status)) - \(description["SecondaryStatus"]?.stringValue ?? "?")"
            if line != last {
                print(line)
                last = line
            }
            if ["Stopped", "Completed", "Failed"].contains(status) { return }
            let elapsed = Date().timeIntervalSince(stoppedAt)
            if !explained {
                print(grace.explanation(elapsed: elapsed))
                explained = true
                reminded = Date()
            } else if Date().timeIntervalSince(reminded) >= Self.reminderSeconds, let reminder = grace.reminder(elapsed: elapsed) {
                print(reminder)
                reminded = Date()
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
