import AWSWire
import Foundation
import Testing

@testable import CloudWatchMetrics

/// A metric store and service in a fresh temporary directory, with helpers to speak to the service in JSON 1.0
/// and in the query protocol.
struct Fixture {
    let path: String
    let store: MetricStore
    let service: MetricsService

    /// 2024-05-01T12:00:00Z, on a whole minute.
    static let base = Date(timeIntervalSince1970: 1_714_564_800)

    init() throws {
        path = NSTemporaryDirectory() + "sagebox-metrics-" + UUID().uuidString + "/metrics.sqlite"
        store = try MetricStore(path: path)
        service = MetricsService(store: store)
    }

    static func at(_ seconds: Double) -> Date {
        base.addingTimeInterval(seconds)
    }

    /// Runs a JSON 1.0 operation with a body written as JSON text.
    func json(_ operation: String, _ body: String) async throws -> JSONValue {
        try await service.handle(operation: operation, input: try JSONValue.decode(Data(body.utf8)))
    }

    /// Runs a query-protocol action and parses the XML it answers.
    func query(_ action: String, _ parameters: [String: String]) async throws -> XMLElementNode {
        let text = try await service.respond(
            action: action, parameters: parameters.merging(["Action": action, "Version": "2010-08-01"]) { $1 }, accessKeyId: nil, requestID: "req-1")
        return try #require(XMLElementNode.parse(Data(text.utf8)), "not XML: \(text)")
    }

    /// The AWSError an operation throws, or nil.
    func jsonError(_ operation: String, _ body: String) async -> AWSError? {
        do {
            _ = try await json(operation, body)
            return nil
        } catch {
            return error as? AWSError
        }
    }

    func queryError(_ action: String, _ parameters: [String: String]) async -> AWSError? {
        do {
            _ = try await query(action, parameters)
            return nil
        } catch {
            return error as? AWSError
        }
    }

    /// Puts `value` for a training job's metric at `base + seconds`.
    func put(_ name: String, job: String = "job-1", _ value: Double, at seconds: Double, unit: String? = nil) async throws {
        try await store.put(
            namespace: Metric.trainingJobsNamespace, name: name, dimensions: [Metric.trainingJobDimension: job], value: value,
            timestamp: Self.at(seconds), unit: unit)
    }
}

extension JSONValue {
    var array: [JSONValue] { arrayValue ?? [] }
}
