/// Why the toolkit would fail the job before the user's entry point runs. Its `train` command then exits 1 after
/// writing `failureFileContents` to `/opt/ml/output/failure` (only if that file does not exist yet).
public enum ToolkitError: Error, Equatable, CustomStringConvertible {
    /// `errors.ClientError`, e.g. a rejected entry point name; the message is written to the failure file verbatim.
    case clientError(String)
    /// Any other exception escaping the toolkit (`KeyError`, `TypeError`, `ValueError`, ...): `type` is the Python
    /// exception class, `message` its `str()`.
    case frameworkError(type: String, message: String)
    /// Input the toolkit would accept but Sagebox cannot reproduce faithfully (see `PythonJSONError.loneSurrogate`).
    case unsupported(String)

    public var description: String {
        switch self {
        case .clientError(let message): message
        case .frameworkError(let type, let message): "\(type): \(message)"
        case .unsupported(let message): message
        }
    }

    /// The failure file's text. For a framework error the toolkit writes
    /// `"Framework Error: \n<traceback>\n<str(e)>"`; Sagebox has no Python traceback, so only its last line
    /// (`<type>: <str(e)>`) stands in for it.
    public var failureFileContents: String {
        switch self {
        case .clientError(let message): message
        case .frameworkError(let type, let message): "Framework Error: \n\(type): \(message)\n\n\(message)"
        case .unsupported(let message): message
        }
    }
}
