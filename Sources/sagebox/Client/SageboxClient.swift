import AWSWire
import Crypto
import SageboxServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client for the CLI's commands: JSON-protocol calls to a running Sagebox, signed with SigV4 from the
/// usual AWS environment variables (so it also works against a server that verifies signatures).
struct SageboxClient {
    let endpoint: URL
    let region: String
    let accessKey: String
    let secretKey: String

    init(endpoint: String?) throws {
        let environment = ProcessInfo.processInfo.environment
        let text = endpoint ?? environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:\(ServerSettings.defaultPort)"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ClientError("'\(text)' is not an http:// endpoint URL.")
        }
        self.endpoint = url
        region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        accessKey = environment["AWS_ACCESS_KEY_ID"] ?? "sagebox"
        secretKey = environment["AWS_SECRET_ACCESS_KEY"] ?? "sagebox"
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
        /// The AWS error code when the service answered with an error; nil when Sagebox could not be reached.
        var serviceCode: String? = nil
        init(_ description: String, serviceCode: String? = nil) {
            self.description = description
            self.serviceCode = serviceCode
        }
    }

    /// Calls `<prefix>.<operation>`; AWS errors come back as `ClientError` with their code and message.
    func call(_ target: String, service: String, _ input: JSONValue = .object([:])) async throws -> JSONValue {
        let request = signedRequest(
            url: endpoint, rawPath: "/", rawQuery: "", body: input.encoded(), service: service,
            headers: [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target)])
        return try await send(request)
    }

    /// A POST to `url` signed with SigV4 for `service`; `rawPath` and `rawQuery` are the URL's, as sent.
    private func signedRequest(
        url: URL, rawPath: String, rawQuery: String, body: Data, service: String, headers extra: [(String, String)]
    ) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        let host = endpoint.port.map { "\(endpoint.host!):\($0)" } ?? endpoint.host!
        let amzDate = Self.amzDate(Date())
        let headers = extra + [("host", host), ("x-amz-date", amzDate)]
        let credential = SigV4Credential(accessKeyId: accessKey, date: String(amzDate.prefix(8)), region: region, service: service)
        let payload = Array(SHA256.hash(data: body)).hexString
        let signable = SignableRequest(method: "POST", rawPath: rawPath, rawQuery: rawQuery, headers: headers, payloadHash: payload)
        let signed = headers.map(\.0).sorted()
        let canonical = SigV4.canonicalRequest(signable, signedHeaders: signed, service: service)
        let signature = SigV4.signature(
            stringToSign: SigV4.stringToSign(canonicalRequest: canonical, amzDate: amzDate, credential: credential), secretKey: secretKey,
            credential: credential)
        for (name, value) in headers where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        request.setValue(
            "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(credential.scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)",
            forHTTPHeaderField: "Authorization")
        return request
    }

    /// Sends a request whose answer is JSON; an error answer becomes a `ClientError` with its code and message.
    private func send(_ request: URLRequest) async throws -> JSONValue {
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ClientError("Cannot reach Sagebox at \(endpoint.absoluteString): \(error.localizedDescription). Is `sagebox serve` running?")
        }
        let value = (try? JSONValue.decode(data)) ?? .object([:])
        if let status = (response as? HTTPURLResponse)?.statusCode, status >= 300 {
            let code = value["__type"]?.stringValue ?? "HTTP \(status)"
            let message = value["message"]?.stringValue ?? value["Message"]?.stringValue ?? ""
            throw ClientError("\(code): \(message)", serviceCode: code)
        }
        return value
    }

    func sagemaker(_ operation: String, _ input: JSONValue = .object([:])) async throws -> JSONValue {
        try await call("SageMaker.\(operation)", service: "sagemaker", input)
    }

    func logs(_ operation: String, _ input: JSONValue) async throws -> JSONValue {
        try await call("Logs_20140328.\(operation)", service: "logs", input)
    }

    static func amzDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

extension SageboxClient {
    /// POSTs to one of Sagebox's own control routes (`/_sagebox/...`), which answer JSON. Signed like every other
    /// call, because a server with credentials refuses unsigned control requests.
    func control(_ path: String) async throws -> JSONValue {
        let url = URL(string: path, relativeTo: endpoint)!
        let question = path.firstIndex(of: "?")
        let rawPath = String(path[..<(question ?? path.endIndex)])
        let rawQuery = question.map { String(path[path.index(after: $0)...]) } ?? ""
        return try await send(signedRequest(url: url, rawPath: rawPath, rawQuery: rawQuery, body: Data(), service: "sagebox", headers: []))
    }
}
