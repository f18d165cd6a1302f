import AWSWire
import Foundation
import Testing

@testable import CloudWatchMetrics

/// Every response checked against the output shapes of botocore 1.44.8's `cloudwatch` model (transcribed below from
/// `botocore.session.get_session().get_service_model('cloudwatch')`): no member the model lacks, every value of its
/// type, in both encodings. botocore itself ignores unknown members, so nothing else would catch a misspelling.
@Suite struct ShapeTests {
    indirect enum Shape: Sendable {
        case string, double, timestamp
        case list(Shape)
        case structure([String: Shape])
    }

    static let dimension = Shape.structure(["Name": .string, "Value": .string])
    static let message = Shape.structure(["Code": .string, "Value": .string])
    static let outputs: [String: Shape] = [
        "GetMetricStatistics": .structure([
            "Label": .string,
            "Datapoints": .list(
                .structure([
                    "Timestamp": .timestamp, "SampleCount": .double, "Average": .double, "Sum": .double, "Minimum": .double,
                    "Maximum": .double, "Unit": .string,
                ])),
        ]),
        "GetMetricData": .structure([
            "MetricDataResults": .list(
                .structure([
                    "Id": .string, "Label": .string, "Timestamps": .list(.timestamp), "Values": .list(.double), "StatusCode": .string,
                    "Messages": .list(message),
                ])),
            "NextToken": .string, "Messages": .list(message),
        ]),
        "ListMetrics": .structure([
            "Metrics": .list(.structure(["Namespace": .string, "MetricName": .string, "Dimensions": .list(dimension)])),
            "NextToken": .string, "OwningAccounts": .list(.string),
        ]),
    ]

    static func problems(_ value: JSONValue, _ shape: Shape, at path: String) -> [String] {
        switch (shape, value) {
        case (.string, .string), (.double, .int), (.double, .double), (.timestamp, .int), (.timestamp, .double): return []
        case (.list(let member), .array(let elements)):
            return elements.enumerated().flatMap { problems($1, member, at: "\(path)[\($0)]") }
        case (.structure(let members), .object(let object)):
            return object.flatMap { key, child in
                members[key].map { problems(child, $0, at: "\(path).\(key)") } ?? ["\(path).\(key) is not in the model"]
            }
        default: return ["\(path) is \(value), not \(shape)"]
        }
    }

    static func problems(_ node: XMLElementNode, _ shape: Shape, at path: String) -> [String] {
        switch shape {
        case .string: return node.children.isEmpty ? [] : ["\(path) has children"]
        case .double: return Double(node.text) == nil ? ["\(path) = \(node.text) is not a double"] : []
        case .timestamp:
            return MetricsInput.parseISO8601(node.text) == nil || !node.text.hasSuffix("Z") ? ["\(path) = \(node.text) is not ISO 8601"] : []
        case .list(let member):
            return node.children.flatMap { child in
                child.name == "member" ? problems(child, member, at: path + ".member") : ["\(path).\(child.name) is not a member"]
            }
        case .structure(let members):
            return node.children.flatMap { child in
                members[child.name].map { problems(child, $0, at: "\(path).\(child.name)") } ?? ["\(path).\(child.name) is not in the model"]
            }
        }
    }

    /// A store with data in two units and two jobs, so every optional part of each response is present.
    static func populated() async throws -> Fixture {
        let f = try Fixture()
        try await f.put("loss", 1.5, at: 1, unit: "Percent")
        try await f.put("loss", 2, at: 2)
        try await f.put("loss", 1e-7, at: 70)
        try await f.put("loss", job: "job-2", 3, at: 3)
        return f
    }

    static let statistics: [String: String] = [
        "Namespace": "/aws/sagemaker/TrainingJobs", "MetricName": "loss", "Dimensions.member.1.Name": "TrainingJobName",
        "Dimensions.member.1.Value": "job-1", "StartTime": "2024-05-01T12:00:00Z", "EndTime": "2024-05-01T12:05:00Z", "Period": "60",
        "Statistics.member.1": "Average", "Statistics.member.2": "Sum", "Statistics.member.3": "SampleCount",
        "Statistics.member.4": "Minimum", "Statistics.member.5": "Maximum",
    ]
    static let data: [String: String] = [
        "MetricDataQueries.member.1.Id": "q", "MetricDataQueries.member.1.MetricStat.Metric.Namespace": "/aws/sagemaker/TrainingJobs",
        "MetricDataQueries.member.1.MetricStat.Metric.MetricName": "loss",
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name": "TrainingJobName",
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": "job-1",
        "MetricDataQueries.member.1.MetricStat.Period": "60", "MetricDataQueries.member.1.MetricStat.Stat": "Average",
        "StartTime": "2024-05-01T12:00:00Z", "EndTime": "2024-05-01T12:05:00Z", "MaxDatapoints": "1",
    ]
    static let requests: [(operation: String, parameters: [String: String])] = [
        ("GetMetricStatistics", statistics), ("GetMetricData", data), ("ListMetrics", [:]),
    ]

    @Test(arguments: requests.map(\.operation))
    func jsonMatchesTheModel(_ operation: String) async throws {
        let f = try await Self.populated()
        let parameters = try #require(Self.requests.first { $0.operation == operation }?.parameters)
        // The query form read as a document is the JSON request with string leaves, which the service accepts.
        let output = try await f.service.handle(operation: operation, input: MetricsInput.queryTree(parameters))
        let encoded = try JSONValue.decode(output.encoded())
        let shape = try #require(Self.outputs[operation])
        #expect(Self.problems(encoded, shape, at: operation) == [])
        #expect(!(encoded.objectValue?.values.allSatisfy { $0.arrayValue?.isEmpty == true } ?? true), "empty response: \(encoded)")
    }

    @Test(arguments: requests.map(\.operation))
    func xmlMatchesTheModel(_ operation: String) async throws {
        let f = try await Self.populated()
        let parameters = try #require(Self.requests.first { $0.operation == operation }?.parameters)
        let document = try await f.query(operation, parameters)
        #expect(document.children.map(\.name) == [operation + "Result", "ResponseMetadata"])
        let result = try #require(document.child(operation + "Result"))
        let shape = try #require(Self.outputs[operation])
        #expect(Self.problems(result, shape, at: operation) == [])
        #expect(result.children.contains { !$0.children.isEmpty }, "empty response")
    }
}
