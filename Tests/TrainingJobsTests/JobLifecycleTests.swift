import AWSWire
import Foundation
import Testing
@testable import TrainingJobs

@Suite struct JobLifecycleTests {
    @Test func transitionsCloseThePreviousOneAndBumpLastModified() throws {
        let start = Date(timeIntervalSince1970: 1000)
        var job = TrainingJob(name: "j", arn: "arn", spec: try TrainingJobSpec(decoding: .object([:])), now: start)
        job.transition(.downloading, "Downloading input data", at: start.addingTimeInterval(1))
        job.transition(.training, "Training", at: start.addingTimeInterval(2))
        #expect(job.transitions.map(\.status) == [.starting, .downloading, .training])
        #expect(job.transitions[0].endTime == start.addingTimeInterval(1))
        #expect(job.transitions[2].endTime == nil)
        #expect(job.lastModifiedTime == start.addingTimeInterval(2))
        job.transition(.completed, "Training job completed", status: .completed, at: start.addingTimeInterval(3))
        #expect(job.status == .completed)
        #expect(job.transitions.last?.endTime == start.addingTimeInterval(3))
    }

    @Test func channelKeysMapToSafeRelativePaths() {
        #expect(TrainingExecution.relativePath(key: "data/train/a.csv", prefix: "data/train") == "a.csv")
        #expect(TrainingExecution.relativePath(key: "data/train/sub/b.csv", prefix: "data/train/") == "sub/b.csv")
        #expect(TrainingExecution.relativePath(key: "data/train.csv", prefix: "data/train.csv") == "train.csv")
        #expect(TrainingExecution.relativePath(key: "data/train/../../etc/passwd", prefix: "data/train") == nil)
        #expect(TrainingExecution.relativePath(key: "data/train/a//x", prefix: "data/train") == nil)
        #expect(TrainingExecution.relativePath(key: "data/train/dir/", prefix: "data/train") == "dir/")
    }

    @Test func theSpecReadsTheRequest() throws {
        let request = try JSONValue.decode(
            Data(
                #"""
                {"HyperParameters": {"b": "2", "a": "\"x\""}, "OutputDataConfig": {"S3OutputPath": "s3://bucket/out/", "CompressionType": "NONE"},
                 "ResourceConfig": {"InstanceType": "ml.g5.12xlarge", "InstanceCount": 2},
                 "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/t"}}}],
                 "EnableManagedSpotTraining": true, "StoppingCondition": {"MaxRuntimeInSeconds": 10, "MaxWaitTimeInSeconds": 20},
                 "CheckpointConfig": {"S3Uri": "s3://b/ck"}}
                """#.utf8))
        let spec = try TrainingJobSpec(decoding: request)
        #expect(spec.hyperparameters.map(\.0) == ["a", "b"])
        #expect(spec.hyperparameters[0].1 == "\"x\"")
        #expect(!spec.compressOutput)
        #expect(spec.instanceCount == 2)
        #expect(spec.channels?.first?.inputMode == "File")
        #expect(spec.checkpointLocalPath == "/opt/ml/checkpoints")
        #expect(spec.outputLocation(job: "j", file: "model.tar.gz") == "s3://bucket/out/j/output/model.tar.gz")
        #expect(spec.managedSpot && spec.maxWaitSeconds == 20)
    }
}
