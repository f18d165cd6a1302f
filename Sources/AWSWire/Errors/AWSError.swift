/// An error as AWS reports it: a code, a message and an HTTP status.
///
/// Services throw these; each wire protocol (REST-XML, JSON, query) encodes them in its own shape, so the
/// code and message are written once, where the behaviour is.
public struct AWSError: Error, Sendable, Equatable {
    public let code: String
    public let message: String
    public let status: Int
    /// Extra fields some errors carry (S3's `BucketName`, `Key`, `Resource`, ...), in order.
    public let details: [Detail]
    /// Headers the error response must carry (e.g. `Content-Range` on 416).
    public let headers: [Detail]

    public struct Detail: Sendable, Equatable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(code: String, message: String, status: Int, details: [Detail] = [], headers: [Detail] = []) {
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.headers = headers
    }
}
