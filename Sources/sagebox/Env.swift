import ArgumentParser
import Foundation
import SageboxServer

struct Env: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print shell exports that point every AWS client at Sagebox.",
        discussion: """
            Run `eval "$(sagebox env)"`: it sets AWS_ENDPOINT_URL, dummy credentials and a region where none are set,
            and writes a SageMaker Python SDK config file (default bucket, telemetry off) named by
            SAGEMAKER_USER_CONFIG_OVERRIDE, so that no call leaves the machine. The SDK otherwise asks STS at a
            hard-coded AWS address for the default bucket and sends telemetry to AWS. It warns on stderr when nothing
            answers at the endpoint (the exports are printed all the same).
            """
    )

    @Option(help: "The Sagebox endpoint (default: $AWS_ENDPOINT_URL, else http://127.0.0.1:\(ServerSettings.defaultPort)).")
    var endpoint: String?

    @Option(help: "The SageMaker SDK's default bucket.")
    var bucket = "sagebox-default"

    @Option(help: "Where to write the SageMaker SDK config file (default: ~/.config/sagebox/sagemaker-config.yaml).")
    var configFile: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let endpoint = endpoint ?? environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:\(ServerSettings.defaultPort)"
        // A wrong port otherwise shows up much later as a client's connection error, far from its cause.
        if await (try? SageboxClient(endpoint: endpoint))?.health() == nil {
            Terminal.warn(
                "nothing answers as Sagebox at \(endpoint) (GET /_sagebox/health). Start it with `sagebox serve`, or pass the "
                    + "endpoint its start-up line names with --endpoint. The exports point there all the same.")
        }
        let path = configFile ?? Self.defaultConfigPath(environment)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let yaml = """
            # Written by `sagebox env`: keeps the SageMaker Python SDK on the local endpoint.
            SchemaVersion: '1.0'
            SageMaker:
              PythonSDK:
                Modules:
                  TelemetryOptOut: true
                  Session:
                    DefaultS3Bucket: \(bucket)

            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)

        var lines = ["export AWS_ENDPOINT_URL=\(Self.quote(endpoint))"]
        let hasKeys = environment["AWS_ACCESS_KEY_ID"] != nil || environment["AWS_PROFILE"] != nil
        if !hasKeys {
            lines.append("export AWS_ACCESS_KEY_ID=sagebox")
            lines.append("export AWS_SECRET_ACCESS_KEY=sagebox")
        }
        if environment["AWS_DEFAULT_REGION"] == nil && environment["AWS_REGION"] == nil {
            lines.append("export AWS_DEFAULT_REGION=us-east-1")
        }
        lines.append("export AWS_EC2_METADATA_DISABLED=true")
        lines.append("export SAGEMAKER_USER_CONFIG_OVERRIDE=\(Self.quote(path))")
        print(lines.joined(separator: "\n"))
    }

    static func defaultConfigPath(_ environment: [String: String]) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/sagebox/sagemaker-config.yaml"
    }

    /// Single-quotes a value for the shell.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
