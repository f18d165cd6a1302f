import Foundation
import Testing
@testable import Runner

/// Sagebox's toolkit model against the real sagemaker-training 5.1.4, fixture by fixture: each fixture's /opt/ml
/// tree is written to a temp dir, e2e/toolkit_reference/toolkit_harness.py runs the real toolkit on it, and
/// `ToolkitReference.report` must give the same argv, cwd, environment, pip installs, exit code and failure text.
///
/// Needs SAGEBOX_TOOLKIT_PYTHON: a python with sagemaker-training==5.1.4, e.g.
///   python3 -m venv /tmp/smt && /tmp/smt/bin/pip install -r e2e/toolkit_reference/requirements.txt
///   SAGEBOX_TOOLKIT_PYTHON=/tmp/smt/bin/python swift test --filter ToolkitDifferentialTests
/// The machine-dependent inputs (python path, CPU/GPU/Neuron counts) are taken from the harness's report, so every
/// value compares exactly; PYTHONPATH only has to start with the code directory (the toolkit appends its whole
/// sys.path).
@Suite struct ToolkitDifferentialTests {
    static let python = ProcessInfo.processInfo.environment["SAGEBOX_TOOLKIT_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let harness = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/toolkit_reference/toolkit_harness.py").path

    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var hyperparameters: [(String, String)]
        var inputDataConfig: String
        var resourceConfig: String
        var environment: [(String, String)]
        var codeFiles: [String]
        var testDescription: String { name }
    }

    /// e2e/toolkit_reference/fixtures.json, shared with e2e/test_toolkit_reference.py.
    static let fixtures: [Fixture] = {
        let path = URL(fileURLWithPath: harness).deletingLastPathComponent().appendingPathComponent("fixtures.json")
        guard let data = FileManager.default.contents(atPath: path.path),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = root["fixtures"] as? [[String: Any]]
        else { fatalError("cannot read \(path.path)") }
        func pairs(_ value: Any?) -> [(String, String)] { (value as! [[String]]).map { ($0[0], $0[1]) } }
        return list.map {
            Fixture(
                name: $0["name"] as! String, hyperparameters: pairs($0["hyperparameters"]),
                inputDataConfig: $0["inputdataconfig"] as! String, resourceConfig: $0["resourceconfig"] as! String,
                environment: pairs($0["environment"]), codeFiles: $0["code_files"] as! [String])
        }
    }()

    @Test(
        .enabled(if: ToolkitDifferentialTests.python != nil, "set SAGEBOX_TOOLKIT_PYTHON to a python with sagemaker-training==5.1.4 (see e2e/toolkit_reference)"),
        arguments: fixtures)
    func sageboxMatchesTheRealToolkit(_ fixture: Fixture) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sagebox-toolkit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try writeTree(fixture, at: base)
        let envFile = base.appendingPathComponent("job-env.json").path
        try orderedJSONObject(fixture.environment).write(toFile: envFile, atomically: true, encoding: .utf8)
        let basePath = base.appendingPathComponent("opt/ml").path

        let reference = try runHarness(basePath: basePath, envFile: envFile)
        let machine = try #require(reference["machine"] as? [String: Int])
        let sagebox = try parse(ToolkitReference.report(
            baseDirectory: basePath, jobEnvironmentFile: envFile, python: try #require(reference["python"] as? String),
            numCPUs: machine["num_cpus"]!, numGPUs: machine["num_gpus"]!, numNeurons: machine["num_neurons"]!))

        let exitCode = reference["exit_code"] as? Int
        #expect(sagebox["exit_code"] as? Int == exitCode, "\(reference["failure"] ?? "")")
        if exitCode == 0 {
            #expect(sagebox["argv"] as? [String] == reference["argv"] as? [String])
            #expect(sagebox["cwd"] as? String == reference["cwd"] as? String)
            #expect(sagebox["installs"] as? [[String]] == reference["installs"] as? [[String]])
            #expect((reference["unset"] as? [String])?.isEmpty == true)
            var expected = try #require(reference["env"] as? [String: String])
            var actual = try #require(sagebox["env"] as? [String: String])
            let codeDir = basePath + "/code"
            #expect(expected.removeValue(forKey: "PYTHONPATH")?.hasPrefix(codeDir + ":") == true)
            #expect(actual.removeValue(forKey: "PYTHONPATH") == codeDir)
            for key in Set(expected.keys).union(actual.keys).sorted() where expected[key] != actual[key] {
                Issue.record("\(key):\n  toolkit: \(expected[key] ?? "<unset>")\n  sagebox: \(actual[key] ?? "<unset>")")
            }
        } else {
            let failure = try #require(reference["failure"] as? String)
            let ours = try #require(sagebox["failure"] as? String)
            if failure.hasPrefix("Framework Error: \n") {
                // The toolkit's text holds a Python traceback; ours only its last line, which must be in it.
                let lastLine = try #require(ours.split(separator: "\n").dropFirst().first)
                #expect(ours.hasPrefix("Framework Error: \n"))
                #expect(failure.contains("\n" + lastLine + "\n"), "toolkit: \(failure)\nsagebox: \(ours)")
            } else {
                #expect(ours == failure)
            }
        }
    }

    private func writeTree(_ fixture: Fixture, at root: URL) throws {
        let files = FileManager.default
        let ml = root.appendingPathComponent("opt/ml")
        let config = ml.appendingPathComponent("input/config")
        // output/intermediate exists so the toolkit leaves intermediate sync to the platform (no S3 calls).
        for dir in [config, ml.appendingPathComponent("output/intermediate"), ml.appendingPathComponent("code")] {
            try files.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        try orderedJSONObject(fixture.hyperparameters).write(to: config.appendingPathComponent("hyperparameters.json"), atomically: true, encoding: .utf8)
        try fixture.inputDataConfig.write(to: config.appendingPathComponent("inputdataconfig.json"), atomically: true, encoding: .utf8)
        try fixture.resourceConfig.write(to: config.appendingPathComponent("resourceconfig.json"), atomically: true, encoding: .utf8)
        for name in fixture.codeFiles {
            let file = ml.appendingPathComponent("code").appendingPathComponent(name)
            try files.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "print('never run')\n".write(to: file, atomically: true, encoding: .utf8)
        }
    }

    /// A JSON object of strings in the given order (the order the toolkit reads them back in).
    private func orderedJSONObject(_ entries: [(String, String)]) -> String {
        "{" + entries.map { PythonValue.string($0.0).compactJSON + ": " + PythonValue.string($0.1).compactJSON }.joined(separator: ", ") + "}"
    }

    private func runHarness(basePath: String, envFile: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = [Self.harness, basePath, envFile]
        let stdout = Pipe()
        // The toolkit logs to stderr; a file cannot fill up and block it the way an unread pipe could.
        let logPath = basePath + "/../harness.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "toolkit_harness.py exited \(process.terminationStatus):\n\(log.suffix(3000))")
        return try parse(String(decoding: output, as: UTF8.self))
    }

    private func parse(_ json: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }
}
