/// A service spoken in AWS's query protocol: form-encoded `Action=…` requests, XML answers.
public protocol QueryService: Sendable {
    /// The SigV4 signing name that routes a signed request (`sts`, `iam`, `monitoring`).
    var signingName: String { get }
    /// The API `Version` that routes an unsigned request (`2011-06-15`).
    var apiVersion: String { get }
    /// The XML namespace of its answers and errors.
    var xmlNamespace: String { get }
    /// Runs one action; `accessKeyId` is the caller's, when the request was signed.
    func respond(action: String, parameters: [String: String], accessKeyId: String?, requestID: String) async throws -> String
}
