import AWSWire
import Foundation
import HTTPTypes
import Hummingbird

/// The protocol a request speaks, which decides how an authentication failure is worded.
enum WireProtocol {
    case restXML, json, query
}

/// Verifies SigV4 when credentials are configured; otherwise accepts every request, as local emulators do.
struct Authenticator: Sendable {
    let verifier: SigV4Verifier?
    private let credentials: [String: String]

    init(credentials: [String: String]) {
        self.credentials = credentials
        verifier = credentials.isEmpty ? nil : SigV4Verifier(secrets: credentials)
    }

    /// The credential the request was signed with, or the AWS error to answer. The payload hash is computed only
    /// when signatures are verified.
    func authenticate(_ request: Request, payloadHash: @autoclosure () -> String, protocol wire: WireProtocol) -> Result<SigV4Credential?, AWSError> {
        guard let verifier else {
            return .success(Self.claimedCredential(request))
        }
        let path = request.head.path ?? "/"
        let question = path.firstIndex(of: "?")
        // HTTPTypes carries Host as the authority pseudo-header; SigV4 signs it as `host`.
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        let signable = SignableRequest(
            method: request.method.rawValue, rawPath: String(path[..<(question ?? path.endIndex)]),
            rawQuery: question.map { String(path[path.index(after: $0)...]) } ?? "", headers: headers, payloadHash: payloadHash())
        switch verifier.verify(signable, now: Date()) {
        case .success(let credential): return .success(credential)
        case .failure(let failure): return .failure(Self.error(failure, wire))
        }
    }

    /// The chunk-signature chain of a signed `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body, when signatures are verified.
    func chunkVerifier(_ request: Request, credential: SigV4Credential?) -> ChunkSignatureVerifier? {
        guard verifier != nil, let credential, let secret = credentials[credential.accessKeyId],
            request.headers[.amzContentSHA256]?.hasPrefix("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == true,
            let header = request.headers[.authorization], let authorization = SigV4Authorization.parse(header: header),
            let amzDate = request.headers[HTTPField.Name("x-amz-date")!]
        else { return nil }
        return ChunkSignatureVerifier(secretKey: secret, credential: credential, amzDate: amzDate, seedSignature: authorization.signature)
    }

    /// Without verification the credential is still read, for dispatch by service and for GetCallerIdentity.
    static func claimedCredential(_ request: Request) -> SigV4Credential? {
        if let header = request.headers[.authorization] {
            return SigV4Authorization.parse(header: header)?.credential
        }
        let path = request.head.path ?? ""
        guard let question = path.firstIndex(of: "?") else { return nil }
        return SigV4Authorization.parse(query: PercentEncoding.parseQuery(path[path.index(after: question)...]))?.0.credential
    }

    static func error(_ failure: SigV4Verifier.Failure, _ wire: WireProtocol) -> AWSError {
        switch failure {
        case .missingAuthentication:
            switch wire {
            case .restXML: return AWSError(code: "AccessDenied", message: "Access Denied", status: 403)
            case .json: return AWSError(code: "MissingAuthenticationTokenException", message: "Missing Authentication Token", status: 403)
            case .query: return AWSError(code: "MissingAuthenticationToken", message: "Request is missing Authentication Token", status: 403)
            }
        case .invalidAccessKeyId:
            switch wire {
            case .restXML:
                return AWSError(code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records.", status: 403)
            case .json:
                return AWSError(code: "UnrecognizedClientException", message: "The security token included in the request is invalid.", status: 403)
            case .query:
                return AWSError(code: "InvalidClientTokenId", message: "The security token included in the request is invalid.", status: 403)
            }
        case .signatureDoesNotMatch(let stringToSign, let canonicalRequest):
            let message = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
            let details: [AWSError.Detail] =
                wire == .restXML ? [.init("StringToSign", stringToSign), .init("CanonicalRequest", canonicalRequest)] : []
            return AWSError(code: "SignatureDoesNotMatch", message: message, status: 403, details: details)
        case .expired:
            return AWSError(code: "AccessDenied", message: "Request has expired", status: 403)
        case .requestTimeTooSkewed:
            return AWSError(
                code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large.", status: 403)
        case .malformed(let why):
            return AWSError(code: wire == .restXML ? "AuthorizationHeaderMalformed" : "IncompleteSignature", message: why, status: 400)
        }
    }
}
