import Foundation

/// Checks SigV4 header signatures and presigned URLs against a fixed set of credentials.
public struct SigV4Verifier: Sendable {
    /// How far a header-signed request's `X-Amz-Date` may be from the server clock (S3: 15 minutes).
    public static let allowedClockSkew: TimeInterval = 15 * 60
    /// The longest validity S3 allows for a presigned URL (7 days).
    public static let maximumPresignedExpiry = 604_800

    public enum Failure: Error, Equatable {
        /// Neither an `Authorization` header nor `X-Amz-Algorithm` query parameter: an anonymous request.
        case missingAuthentication
        case invalidAccessKeyId
        /// Carries what S3 echoes back in its error so the client can diff its own computation.
        case signatureDoesNotMatch(stringToSign: String, canonicalRequest: String)
        case expired
        case requestTimeTooSkewed
        case malformed(String)
    }

    private let secrets: [String: String]

    /// `secrets` maps access key id to secret access key.
    public init(secrets: [String: String]) {
        self.secrets = secrets
    }

    /// Verifies header auth (`Authorization: AWS4-HMAC-SHA256 …`) or, failing that, presigned query auth.
    public func verify(_ request: SignableRequest, now: Date) -> Result<SigV4Credential, Failure> {
        if let header = request.headerValues("authorization").first {
            guard let authorization = SigV4Authorization.parse(header: header) else {
                return .failure(.malformed("unsupported or malformed Authorization header"))
            }
            return verifyHeader(request, authorization, now: now)
        }
        let query = PercentEncoding.parseQuery(request.rawQuery[...])
        guard query.contains(where: { $0.name == "X-Amz-Algorithm" }) else {
            return .failure(.missingAuthentication)
        }
        guard let (authorization, amzDate, expires) = SigV4Authorization.parse(query: query) else {
            return .failure(.malformed("incomplete or unsupported X-Amz-* presigned parameters"))
        }
        return verifyPresigned(request, authorization, amzDate: amzDate, expires: expires, now: now)
    }

    private func verifyHeader(_ request: SignableRequest, _ authorization: SigV4Authorization, now: Date) -> Result<SigV4Credential, Failure> {
        guard let amzDate = request.headerValues("x-amz-date").first else {
            return .failure(.malformed("missing X-Amz-Date header"))
        }
        if case .failure(let failure) = checkDate(amzDate, authorization.credential) { return .failure(failure) }
        guard let signedAt = AWSDate.parseAmz(amzDate) else { return .failure(.malformed("invalid X-Amz-Date")) }
        guard abs(signedAt.timeIntervalSince(now)) <= Self.allowedClockSkew else {
            return .failure(.requestTimeTooSkewed)
        }
        return check(request, authorization, amzDate: amzDate, payloadHash: request.payloadHash, excluding: nil)
    }

    private func verifyPresigned(
        _ request: SignableRequest, _ authorization: SigV4Authorization, amzDate: String, expires: Int, now: Date
    ) -> Result<SigV4Credential, Failure> {
        if case .failure(let failure) = checkDate(amzDate, authorization.credential) { return .failure(failure) }
        guard let signedAt = AWSDate.parseAmz(amzDate) else { return .failure(.malformed("invalid X-Amz-Date")) }
        guard (1...Self.maximumPresignedExpiry).contains(expires) else {
            return .failure(.malformed("X-Amz-Expires must be between 1 and \(Self.maximumPresignedExpiry) seconds"))
        }
        // A URL dated in the future would otherwise stay valid for longer than the 7-day limit.
        guard signedAt.timeIntervalSince(now) <= Self.allowedClockSkew else { return .failure(.requestTimeTooSkewed) }
        guard now.timeIntervalSince(signedAt) <= TimeInterval(expires) else { return .failure(.expired) }
        // Presigned S3 URLs cannot carry a body hash, so the SDKs sign UNSIGNED-PAYLOAD.
        let payloadHash = authorization.credential.service == "s3" ? SigV4.unsignedPayload : request.payloadHash
        return check(request, authorization, amzDate: amzDate, payloadHash: payloadHash, excluding: "X-Amz-Signature")
    }

    private func checkDate(_ amzDate: String, _ credential: SigV4Credential) -> Result<Void, Failure> {
        amzDate.hasPrefix(credential.date)
            ? .success(())
            : .failure(.malformed("credential scope date \(credential.date) does not match X-Amz-Date \(amzDate)"))
    }

    private func check(
        _ request: SignableRequest, _ authorization: SigV4Authorization, amzDate: String, payloadHash: String, excluding: String?
    ) -> Result<SigV4Credential, Failure> {
        let credential = authorization.credential
        guard let secret = secrets[credential.accessKeyId] else { return .failure(.invalidAccessKeyId) }
        var request = request
        request.payloadHash = payloadHash
        let canonicalRequest = SigV4.canonicalRequest(
            request, signedHeaders: authorization.signedHeaders, service: credential.service, excludingQueryParameter: excluding)
        let stringToSign = SigV4.stringToSign(canonicalRequest: canonicalRequest, amzDate: amzDate, credential: credential)
        let expected = SigV4.signature(stringToSign: stringToSign, secretKey: secret, credential: credential)
        guard constantTimeEqual(expected, authorization.signature) else {
            return .failure(.signatureDoesNotMatch(stringToSign: stringToSign, canonicalRequest: canonicalRequest))
        }
        return .success(credential)
    }

    /// Compares without an early exit so response timing does not reveal how much of a guess was right.
    private func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let lhs = Array(lhs.utf8), rhs = Array(rhs.utf8)
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
