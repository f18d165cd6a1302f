import AWSWire
import CloudWatchMetrics
import HTTPTypes
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import S3

/// One port for every service: a request goes to the service its `X-Amz-Target`, its form `Action=` and
/// credential scope, or else its S3 shape names.
struct Dispatcher: HTTPResponder {
    typealias Context = BasicRequestContext

    let s3: S3Service
    let services: ServiceRegistry
    let authenticator: Authenticator
    let control: ControlRoutes

    /// JSON and query requests are small; they are read whole (to hash them for SigV4), up to this size.
    static let maxRPCBody = 16 * 1024 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let requestID = RequestID.make()
        var response: Response
        if let answer = await control.respond(to: request) {
            response = answer
        } else if let target = request.headers[.amzTarget] {
            response = await json(request, target: target, requestID: requestID)
            response.headers[.amznRequestID] = requestID
        } else if isQuery(request) {
            response = await query(request, requestID: requestID)
            response.headers[.amznRequestID] = requestID
        } else {
            response = await restXML(request, requestID: requestID)
            response.headers[.amzID2] = requestID
        }
        response.headers[.amzRequestID] = requestID
        context.logger.debug("\(request.method) \(request.head.path ?? "/") -> \(response.status.code)")
        return response
    }

    private func restXML(_ request: Request, requestID: String) async -> Response {
        // S3 needs the credential only to verify signatures (of the request and of aws-chunked bodies).
        guard authenticator.verifier != nil else { return await s3.respond(to: request, requestID: requestID) }
        let payloadHash = request.headers[.amzContentSHA256] ?? SigV4.unsignedPayload
        switch authenticator.authenticate(request, payloadHash: payloadHash, protocol: .restXML) {
        case .failure(let error):
            return S3Response.errorResponse(error, requestID: requestID, resource: request.uri.path, isHead: request.method == .head)
        case .success(let credential):
            return await BodyReceiver.$chunkVerifier.withValue(authenticator.chunkVerifier(request, credential: credential)) {
                await s3.respond(to: request, requestID: requestID)
            }
        }
    }

    private func json(_ request: Request, target: String, requestID: String) async -> Response {
        let split = JSONProtocol.splitTarget(target)
        let service = split.flatMap { services.json[$0.prefix] }
        let contentType = service?.contentType ?? request.headers[.contentType] ?? "application/x-amz-json-1.1"
        do {
            var request = request
            let body = try await request.collectBody(upTo: Self.maxRPCBody)
            _ = try authenticate(request, body: body, protocol: .json).get()
            guard let service, let operation = split?.operation else { throw JSONProtocol.unknownOperation(target) }
            let input: JSONValue
            do {
                input = body.readableBytes == 0 ? .object([:]) : try JSONValue.decode(Data(body.readableBytesView))
            } catch {
                throw AWSError(code: "SerializationException", message: "The request body is not valid JSON.", status: 400)
            }
            let output = try await service.handle(operation: operation, input: input)
            return Response(
                status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: output.encoded())))
        } catch let error as AWSError {
            return jsonError(error, contentType: contentType)
        } catch {
            return jsonError(AWSError(code: "InternalFailure", message: String(describing: error), status: 500), contentType: contentType)
        }
    }

    private func jsonError(_ error: AWSError, contentType: String) -> Response {
        Response(
            status: .init(code: error.status),
            headers: [.contentType: contentType, .amznErrorType: error.code],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONProtocol.errorBody(error))))
    }

    /// Query-protocol requests: a form body (or query string) naming an `Action`.
    private func isQuery(_ request: Request) -> Bool {
        if request.method == .post, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true { return true }
        return request.uri.path == "/" && request.uri.queryParameters["Action"] != nil
    }

    private func query(_ request: Request, requestID: String) async -> Response {
        var namespace = STSService.namespace
        do {
            var request = request
            let body = try await request.collectBody(upTo: Self.maxRPCBody)
            let parameters = try QueryProtocol.parameters(query: (request.uri.query ?? "")[...], body: String(buffer: body)[...])
            let credential = try authenticate(request, body: body, protocol: .query).get()
            let action = parameters["Action"] ?? ""
            let name = services.querySigningName(credentialScope: credential?.service, version: parameters["Version"])
            guard let service = services.queryService(name) else {
                namespace = "https://\(name).amazonaws.com/doc/\(parameters["Version"] ?? "")/"
                throw QueryProtocol.invalidAction(action, service: name.uppercased())
            }
            namespace = service.xmlNamespace
            let xml = try await service.respond(action: action, parameters: parameters, accessKeyId: credential?.accessKeyId, requestID: requestID)
            return Self.xmlResponse(xml, status: .ok)
        } catch let error as AWSError {
            return Self.xmlResponse(QueryProtocol.errorDocument(error, namespace: namespace, requestID: requestID), status: .init(code: error.status))
        } catch {
            let failure = AWSError(code: "InternalFailure", message: String(describing: error), status: 500)
            return Self.xmlResponse(QueryProtocol.errorDocument(failure, namespace: namespace, requestID: requestID), status: .internalServerError)
        }
    }

    private func authenticate(_ request: Request, body: ByteBuffer, protocol wire: WireProtocol) -> Result<SigV4Credential?, AWSError> {
        authenticator.authenticate(request, payloadHash: Array(SHA256.hash(data: body.readableBytesView)).hexString, protocol: wire)
    }

    private static func xmlResponse(_ xml: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }
}
