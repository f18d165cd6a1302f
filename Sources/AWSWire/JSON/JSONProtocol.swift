import Foundation

/// AWS's JSON 1.0/1.1 protocols: `POST /`, the operation in `X-Amz-Target`, errors as `{"__type", "message"}`.
public enum JSONProtocol {
    /// Splits `SageMaker.CreateTrainingJob` into its service prefix and operation.
    public static func splitTarget(_ target: String) -> (prefix: String, operation: String)? {
        guard let dot = target.lastIndex(of: ".") else { return nil }
        return (String(target[..<dot]), String(target[target.index(after: dot)...]))
    }

    public static func errorBody(_ error: AWSError) -> Data {
        let body: [String: String] = ["__type": error.code, "message": error.message]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    public static func unknownOperation(_ target: String) -> AWSError {
        AWSError(code: "UnknownOperationException", message: "Sagebox does not implement the operation \(target) yet.", status: 400)
    }
}
