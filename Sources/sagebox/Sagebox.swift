import ArgumentParser
import Foundation

@main
struct Sagebox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagebox",
        abstract: "A local Amazon SageMaker emulator: S3, SageMaker training jobs, CloudWatch and STS on one local port.",
        discussion: """
            Start the server with `sagebox serve`, then point every AWS client at it with `eval "$(sagebox env)"`.
            """,
        version: SageboxVersion.current,
        subcommands: [
            Serve.self, Env.self, Jobs.self, Describe.self, Logs.self, Stop.self, Interrupt.self, ToolkitReferenceCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, after making stdout line-buffered: piped into `grep`, `tee` or a test,
    /// `logs -f` and `stop --wait` would otherwise show nothing until they exit (a pipe is block-buffered).
    static func main() async {
        StandardOutput.lineBuffered()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
