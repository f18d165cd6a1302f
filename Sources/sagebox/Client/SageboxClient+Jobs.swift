import AWSWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension SageboxClient {
    /// DescribeTrainingJob with errors that name the job: the service's own "Requested resource not found." (what
    /// SageMaker answers) does not say which name was asked for.
    func describeJob(_ job: String) async throws -> JSONValue {
        try await naming(job) { try await sagemaker("DescribeTrainingJob", .object(["TrainingJobName": .string(job)])) }
    }

    /// Runs `body`, rewording a service error so that it names `job`.
    func naming<T>(_ job: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ClientError where error.serviceCode != nil {
            if error.description.contains("Requested resource not found") {
                throw ClientError("No training job named '\(job)' at \(endpoint.absoluteString) (\(error.description))", serviceCode: error.serviceCode)
            }
            throw ClientError("Training job '\(job)': \(error.description)", serviceCode: error.serviceCode)
        }
    }

    /// `GET /_sagebox/health`, or nil when nothing answers it within `timeout` seconds (or something that is not
    /// Sagebox answers).
    func health(timeout: TimeInterval = 2) async -> JSONValue? {
        var request = URLRequest(url: URL(string: "/_sagebox/health", relativeTo: endpoint)!)
        request.timeoutInterval = timeout
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            (response as? HTTPURLResponse)?.statusCode == 200,
            let value = try? JSONValue.decode(data), value["status"]?.stringValue == "ok"
        else { return nil }
        return value
    }
}
