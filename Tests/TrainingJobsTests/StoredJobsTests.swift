import AWSWire
import Foundation
import Runner
import Testing
@testable import TrainingJobs

/// Data directories written by earlier releases must load: `fixtures/datadir-release-1` holds the job database the
/// release before the runtime restructure wrote (a completed, a failed and a running job, the server then killed).
@Suite struct StoredJobsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/datadir-release-1/sagemaker/jobs.sqlite").path

    func copyOfFixture() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sagebox-stored-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: folder + "/jobs.sqlite")
        return folder + "/jobs.sqlite"
    }

    @Test func aReleaseOneDatabaseLoadsWithItsSpecs() throws {
        let path = try copyOfFixture()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let jobs = try JobStore(path: path).loadAll()
        #expect(jobs.map(\.name) == ["completed-job", "failed-job", "running-job"])
        #expect(jobs.map(\.status) == [.completed, .failed, .inProgress])
        #expect(jobs.allSatisfy { $0.formatVersion == nil && $0.processToken != nil })
        let completed = jobs[0]
        #expect(completed.spec.hyperparameters.map(\.0) == ["epochs", "lr"])
        #expect(completed.spec.hyperparameters[1].1 == "\"0.1\"")
        #expect(completed.spec.channels?.map(\.s3Uri) == ["s3://fixture/train"])
        #expect(completed.spec.entrypoint?.first == "python3")
        #expect(completed.finalMetrics.map(\.name) == ["loss"])
        #expect(completed.tags == ["team": "ml"])
        #expect(jobs[1].failureReason == "AlgorithmError: Exit Code: 3")
    }

    @Test func aSavedJobRoundTripsWithItsVersionAndRequest() throws {
        let path = try copyOfFixture()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try JobStore(path: path)
        let request = try JSONValue.decode(Data(#"{"TrainingJobName": "new-job", "HyperParameters": {"a": "1"}}"#.utf8))
        var job = TrainingJob(name: "new-job", arn: "arn:new", spec: try TrainingJobSpec(decoding: request), now: Date())
        job.fail(.client("No S3 objects found"))
        try store.save(job)
        let loaded = try #require(try store.loadAll().first { $0.name == "new-job" })
        #expect(loaded.formatVersion == TrainingJob.formatVersion)
        #expect(loaded.spec.request == request)
        #expect(loaded.failureReason == "ClientError: No S3 objects found")
    }

    @Test func onlyAWrongJSONTypeFailsDecoding() throws {
        let request = try JSONValue.decode(Data(#"{"HyperParameters": {"epochs": 3}}"#.utf8))
        #expect(throws: AWSError.self) { try TrainingJobSpec(decoding: request) }
        let empty = try TrainingJobSpec(decoding: .object([:]))
        #expect(empty.channels == nil && empty.name == nil)
        #expect(empty.checkpointLocalPath == TrainingJobSpec.Defaults.checkpointLocalPath)
    }

    @Test func failureReasonsAreTheKindAndMessageCutAt1024() {
        #expect(JobFailure.algorithm("Exit Code: 1").reason == "AlgorithmError: Exit Code: 1")
        #expect(JobFailure.internalError("x").reason == "InternalServerError: x")
        #expect(JobFailure.client(String(repeating: "a", count: 2000)).reason.count == 1024)
    }
}
