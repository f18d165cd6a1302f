/// A service spoken in AWS's JSON protocol: operations named by `X-Amz-Target: <prefix>.<operation>`.
public protocol JSONService: Sendable {
    /// The `X-Amz-Target` prefix, e.g. `SageMaker` or `Logs_20140328`.
    var targetPrefix: String { get }
    /// The SigV4 signing name (`sagemaker`, `logs`), as `/_sagebox/health` lists the service.
    var signingName: String { get }
    /// `application/x-amz-json-1.1` or `-1.0`.
    var contentType: String { get }
    /// Runs one operation; throws `AWSError` for anything the caller did wrong.
    func handle(operation: String, input: JSONValue) async throws -> JSONValue
}

extension JSONValue {
    /// Reads a required string member, or throws the validation error AWS gives for a missing one.
    public func requiredString(_ key: String) throws -> String {
        guard let value = self[key]?.stringValue else { throw AWSError.missingMember(key) }
        return value
    }
}

extension AWSError {
    /// The JSON services' generic input error.
    public static func validation(_ message: String) -> AWSError {
        AWSError(code: "ValidationException", message: message, status: 400)
    }

    /// The validation error AWS gives for a missing required member.
    public static func missingMember(_ key: String) -> AWSError {
        validation("1 validation error detected: Value null at '\(key.prefix(1).lowercased() + key.dropFirst())' failed to satisfy constraint: Member must not be null")
    }
}
