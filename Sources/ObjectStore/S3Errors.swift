import AWSWire

/// S3's errors with their codes, statuses and messages, in one place (the service's "exceptions").
public enum S3Errors {
    public static func noSuchBucket(_ bucket: String) -> AWSError {
        AWSError(code: "NoSuchBucket", message: "The specified bucket does not exist", status: 404, details: [.init("BucketName", bucket)])
    }
    public static func noSuchKey(_ key: String) -> AWSError {
        AWSError(code: "NoSuchKey", message: "The specified key does not exist.", status: 404, details: [.init("Key", key)])
    }
    public static func bucketNotEmpty(_ bucket: String) -> AWSError {
        AWSError(
            code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty", status: 409,
            details: [.init("BucketName", bucket)])
    }
    public static func bucketAlreadyOwnedByYou(_ bucket: String) -> AWSError {
        AWSError(
            code: "BucketAlreadyOwnedByYou",
            message: "Your previous request to create the named bucket succeeded and you already own it.", status: 409,
            details: [.init("BucketName", bucket)])
    }
    public static func invalidBucketName(_ bucket: String) -> AWSError {
        AWSError(code: "InvalidBucketName", message: "The specified bucket is not valid.", status: 400, details: [.init("BucketName", bucket)])
    }
    public static func invalidLocationConstraint(_ region: String) -> AWSError {
        AWSError(
            code: "InvalidLocationConstraint", message: "The specified location-constraint is not valid", status: 400,
            details: [.init("LocationConstraint", region)])
    }
    public static func noSuchUpload(_ uploadId: String) -> AWSError {
        AWSError(
            code: "NoSuchUpload",
            message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            status: 404, details: [.init("UploadId", uploadId)])
    }
    public static func invalidPart(_ partNumber: Int) -> AWSError {
        AWSError(
            code: "InvalidPart",
            message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            status: 400, details: [.init("PartNumber", String(partNumber))])
    }
    public static let invalidPartOrder = AWSError(
        code: "InvalidPartOrder", message: "The list of parts was not in ascending order. Parts must be ordered by part number.", status: 400)
    public static func entityTooSmall(size: Int64) -> AWSError {
        AWSError(
            code: "EntityTooSmall", message: "Your proposed upload is smaller than the minimum allowed size", status: 400,
            details: [.init("ProposedSize", String(size)), .init("MinSizeAllowed", String(ObjectStore.minimumPartSize))])
    }
    public static let malformedXML = AWSError(
        code: "MalformedXML",
        message: "The XML you provided was not well-formed or did not validate against our published schema", status: 400)
    public static func invalidRange(size: Int64) -> AWSError {
        AWSError(
            code: "InvalidRange", message: "The requested range is not satisfiable", status: 416,
            details: [.init("ActualObjectSize", String(size))], headers: [.init("Content-Range", "bytes */\(size)")])
    }
    public static let preconditionFailed = AWSError(
        code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold", status: 412,
        details: [.init("Condition", "If-Match")])
    public static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil) -> AWSError {
        var details: [AWSError.Detail] = []
        if let name { details.append(.init("ArgumentName", name)) }
        if let value { details.append(.init("ArgumentValue", value)) }
        return AWSError(code: "InvalidArgument", message: message, status: 400, details: details)
    }
    public static func invalidRequest(_ message: String) -> AWSError {
        AWSError(code: "InvalidRequest", message: message, status: 400)
    }
    public static let invalidDigest = AWSError(code: "InvalidDigest", message: "The Content-MD5 you specified was invalid.", status: 400)
    public static let badDigest = AWSError(
        code: "BadDigest", message: "The Content-MD5 you specified did not match what we received.", status: 400)
    public static func badChecksum(_ algorithm: String) -> AWSError {
        AWSError(code: "BadDigest", message: "The \(algorithm) you specified did not match the calculated checksum.", status: 400)
    }
    public static let contentSHA256Mismatch = AWSError(
        code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
        status: 400)
    public static let chunkSignatureMismatch = AWSError(
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        status: 403)
    public static let keyTooLong = AWSError(code: "KeyTooLongError", message: "Your key is too long", status: 400)
    public static let incompleteBody = AWSError(
        code: "IncompleteBody", message: "You did not provide the number of bytes specified by the Content-Length HTTP header", status: 400)
    public static let malformedBody = AWSError(
        code: "IncompleteBody", message: "The request body's transfer encoding is malformed, so its length cannot be known.", status: 400)
    public static func entityTooLarge(size: String) -> AWSError {
        AWSError(
            code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size", status: 400,
            details: [.init("ProposedSize", size), .init("MaxSizeAllowed", "5368709120")])
    }
    public static func metadataTooLarge(size: Int, limit: Int) -> AWSError {
        AWSError(
            code: "MetadataTooLarge", message: "Your metadata headers exceed the maximum allowed metadata size.", status: 400,
            details: [.init("Size", String(size)), .init("MaxSizeAllowed", String(limit))])
    }
    public static func notImplemented(_ what: String) -> AWSError {
        AWSError(code: "NotImplemented", message: "Sagebox does not implement \(what) yet.", status: 501)
    }
    public static func internalError(_ message: String) -> AWSError {
        AWSError(code: "InternalError", message: "We encountered an internal error. Please try again. (\(message))", status: 500)
    }
}
