import AWSWire
import Foundation
import Runner
import TrainingJobs

/// SageMaker's JSON 1.1 protocol (`SageMaker.*`) for training jobs: validation and response shapes here, the
/// jobs' lives in `JobController`.
public struct SageMakerService: JSONService {
    public let targetPrefix = "SageMaker"
    public let signingName = "sagemaker"
    public let contentType = "application/x-amz-json-1.1"
    let jobs: JobController
    let specs: ContainerSpecCatalog

    public init(jobs: JobController, specs: ContainerSpecCatalog) {
        self.jobs = jobs
        self.specs = specs
    }

    public func handle(operation: String, input: JSONValue) async throws -> JSONValue {
        switch operation {
        case "CreateTrainingJob": return try await createTrainingJob(input)
        case "DescribeTrainingJob": return DescribeRenderer.render(try await jobs.job(try input.requiredString("TrainingJobName")))
        case "ListTrainingJobs": return try await listTrainingJobs(input)
        case "StopTrainingJob":
            try await jobs.stop(try input.requiredString("TrainingJobName"))
            return .object([:])
        case "AddTags":
            let tags = try Self.tags(input["Tags"])
            try await jobs.addTags(arn: try input.requiredString("ResourceArn"), tags)
            return .object(["Tags": input["Tags"] ?? .array([])])
        case "ListTags":
            let job = try await jobs.job(arn: try input.requiredString("ResourceArn"))
            return .object(["Tags": .array(job.tagOrder.compactMap { key in job.tags[key].map { .object(["Key": .string(key), "Value": .string($0)]) } })])
        case "DeleteTags":
            let keys = input["TagKeys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            try await jobs.deleteTags(arn: try input.requiredString("ResourceArn"), keys)
            return .object([:])
        default:
            throw JSONProtocol.unknownOperation("SageMaker.\(operation)")
        }
    }

    private func createTrainingJob(_ input: JSONValue) async throws -> JSONValue {
        let spec = try TrainingJobSpec(decoding: input)
        let name = try TrainingJobValidation.validate(spec, specs: specs)
        let job = try await jobs.create(name: name, spec: spec, tags: try Self.tags(input["Tags"]))
        return .object(["TrainingJobArn": .string(job.arn)])
    }

    static func tags(_ value: JSONValue?) throws -> [(String, String)] {
        try (value?.arrayValue ?? []).map { tag in
            guard let key = tag["Key"]?.stringValue, !key.isEmpty, key.count <= 128 else {
                throw AWSError.validation("1 validation error detected: Value at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128")
            }
            return (key, tag["Value"]?.stringValue ?? "")
        }
    }

    /// Filters, sorts and pages the jobs. As in SageMaker, MaxResults is applied before StatusEquals.
    private func listTrainingJobs(_ input: JSONValue) async throws -> JSONValue {
        var all = await jobs.allJobs()
        func date(_ key: String) -> Date? { input[key]?.doubleValue.map { Date(timeIntervalSince1970: $0) } }
        if let after = date("CreationTimeAfter") { all = all.filter { $0.creationTime > after } }
        if let before = date("CreationTimeBefore") { all = all.filter { $0.creationTime < before } }
        if let after = date("LastModifiedTimeAfter") { all = all.filter { $0.lastModifiedTime > after } }
        if let before = date("LastModifiedTimeBefore") { all = all.filter { $0.lastModifiedTime < before } }
        if let fragment = input["NameContains"]?.stringValue { all = all.filter { $0.name.lowercased().contains(fragment.lowercased()) } }
        let ascending = input["SortOrder"]?.stringValue == "Ascending"
        switch input["SortBy"]?.stringValue ?? "CreationTime" {
        case "Name": all.sort { $0.name < $1.name }
        case "Status": all.sort { ($0.status.rawValue, $0.creationTime) < ($1.status.rawValue, $1.creationTime) }
        default: all.sort { $0.creationTime < $1.creationTime }
        }
        if !ascending { all.reverse() }
        let maxResults = min(max(input["MaxResults"]?.intValue ?? 10, 1), 100)
        let offset = input["NextToken"]?.stringValue.flatMap { Int($0) } ?? 0
        let page = Array(all.dropFirst(offset).prefix(maxResults))
        let shown = input["StatusEquals"]?.stringValue.map { status in page.filter { $0.status.rawValue == status } } ?? page
        var output: [String: JSONValue] = ["TrainingJobSummaries": .array(shown.map(DescribeRenderer.summary))]
        if offset + page.count < all.count { output["NextToken"] = .string(String(offset + page.count)) }
        return .object(output)
    }
}
