import ArgumentParser

@main
struct Sagebox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagebox",
        abstract: "A local Amazon SageMaker emulator: S3, SageMaker training jobs, CloudWatch and STS on one local port.",
        discussion: """
            Start the server with `sagebox serve`, then point every AWS client at it with `eval "$(sagebox env)"`.
            """,
        subcommands: [Serve.self, Env.self, Jobs.self, Describe.self, Logs.self, Stop.self, Interrupt.self, ToolkitReferenceCommand.self]
    )
}
