import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct Interrupt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a spot interruption of a managed spot training job now.",
        discussion: """
            The job's processes are brought down as SageMaker does (SIGTERM where the platform delivers it, SIGKILL after
            the server's --stop-grace-seconds), its checkpoints are synced a last time, and after the server's
            --spot-restart-delay-seconds it restarts from scratch with its checkpoints restored. Jobs can also be
            interrupted on a schedule with the tag sagebox:interrupt-after-seconds (e.g. "5,8"), or at random with the
            server's --spot-interruption-rate and --seed.
            """)

    @OptionGroup var options: EndpointOptions

    @Argument(help: "The training job's name.")
    var job: String

    @Option(help: "The host whose instance is reclaimed (algo-N); every host of the job restarts, as in SageMaker.")
    var host: String?

    func run() async throws {
        let client = try options.client()
        var path = "/_sagebox/jobs/\(job.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? job)/interrupt"
        if let host { path += "?host=\(host)" }
        let answer = try await client.control(path)
        print(answer["message"]?.stringValue ?? "Interrupted \(job)")
    }
}
