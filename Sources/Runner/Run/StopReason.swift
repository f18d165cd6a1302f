/// Why a running job is being brought down before its processes end by themselves.
public enum StopReason: Sendable, Equatable {
    /// A Stop… call.
    case requested
    /// The running-time limit (`MaxRuntimeInSeconds`) was reached.
    case maxRuntime
    /// The whole job, waits included, reached `MaxWaitTimeInSeconds`.
    case maxWait
}
