import ArgumentParser
import Runner

/// Prints what Sagebox would launch for a fake `/opt/ml` tree, for the differential test against the real
/// training toolkit (e2e/test_toolkit_reference.py). Hidden: a debugging aid, not a user command.
struct ToolkitReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_toolkit-reference", abstract: "Print the toolkit launch Sagebox computes for a /opt/ml tree (debugging).",
        shouldDisplay: false)

    @Argument(help: "The /opt/ml tree.")
    var baseDirectory: String

    @Argument(help: "A JSON object file with the toolkit's process environment.")
    var jobEnvironment: String

    @Option(help: "The interpreter that stands in for the toolkit's sys.executable.")
    var python: String

    @Option var numCpus: Int
    @Option var numGpus: Int
    @Option var numNeurons: Int = 0

    func run() throws {
        print(
            try ToolkitReference.report(
                baseDirectory: baseDirectory, jobEnvironmentFile: jobEnvironment, python: python, numCPUs: numCpus, numGPUs: numGpus,
                numNeurons: numNeurons))
    }
}
