/// Why a job failed, as SageMaker words its `FailureReason`: the kind, a colon, the message.
public struct JobFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Something the user asked for or supplied is wrong (an input, an image, a limit).
        case clientError = "ClientError"
        /// The user's code failed.
        case algorithmError = "AlgorithmError"
        /// Sagebox itself failed.
        case internalServerError = "InternalServerError"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func client(_ message: String) -> JobFailure { JobFailure(.clientError, message) }
    public static func algorithm(_ message: String) -> JobFailure { JobFailure(.algorithmError, message) }
    public static func internalError(_ message: String) -> JobFailure { JobFailure(.internalServerError, message) }

    /// SageMaker keeps the first 1024 characters of a FailureReason.
    public static let maxReasonLength = 1024

    /// The exact `FailureReason`: `ClientError: …`, `AlgorithmError: …`.
    public var reason: String { String("\(kind.rawValue): \(message)".prefix(Self.maxReasonLength)) }

    public var description: String { reason }
}
