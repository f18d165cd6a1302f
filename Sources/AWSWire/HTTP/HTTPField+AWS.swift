public import HTTPTypes

/// The AWS header names the wire layers read and write.
extension HTTPField.Name {
    public static let amzTarget = Self("X-Amz-Target")!
    public static let amzContentSHA256 = Self("x-amz-content-sha256")!
    public static let amzRequestID = Self("x-amz-request-id")!
    public static let amzID2 = Self("x-amz-id-2")!
    public static let amznRequestID = Self("x-amzn-RequestId")!
    public static let amznErrorType = Self("x-amzn-ErrorType")!
    public static let amzCopySource = Self("x-amz-copy-source")!
}
