import AWSWire
import Crypto
import Dashboard
import Foundation
import Hummingbird
import NIOCore
import TrainingJobs

/// Sagebox's own routes under `/_sagebox/`: health, the controls tests use to make things happen on demand, and
/// the web dashboard under `/_sagebox/ui/`.
struct ControlRoutes: Sendable {
    let jobs: JobController
    let services: [String]
    /// When it verifies signatures, every route but health needs one: the controls change a job's state.
    let authenticator: Authenticator
    /// Reported by health so that `sagebox stop --wait` can say how long a stop may take, and why.
    let stopGraceSeconds: Double
    let sigtermToScript: Bool
    let dashboard: Dashboard
    let startedAt = Date()

    /// Control requests carry no body worth more than this.
    static let maxBody = 64 * 1024

    func respond(to request: Request) async -> Response? {
        let path = request.uri.path
        guard path.hasPrefix("/_sagebox/") || path == "/_sagebox" else { return nil }
        if authenticator.verifier == nil {
            if let page = await dashboard.respond(to: request) { return page }
        } else if path.hasPrefix("/_sagebox/ui") {
            // A browser cannot sign its requests, and the dashboard shows every job and object.
            return Self.error(AWSError(code: "AccessDenied", message: "The dashboard is off because this server verifies signatures.", status: 403))
        }
        do {
            let parts = path.split(separator: "/").map(String.init)
            let isHealth = request.method == .get && parts.count == 2 && parts[1] == "health"
            if !isHealth, authenticator.verifier != nil {
                var request = request
                let body = try await request.collectBody(upTo: Self.maxBody)
                let payloadHash = Array(SHA256.hash(data: body.readableBytesView)).hexString
                _ = try authenticator.authenticate(request, payloadHash: payloadHash, protocol: .json).get()
            }
            switch (request.method, parts.count) {
            case (.get, 2) where parts[1] == "health":
                return Self.json([
                    "status": .string("ok"), "services": .array(services.map { .string($0) }),
                    "uptimeSeconds": .int(Int(Date().timeIntervalSince(startedAt))),
                    "stopGraceSeconds": .double(stopGraceSeconds), "sigtermToScript": .bool(sigtermToScript),
                ])
            case (.post, 4) where parts[1] == "jobs" && parts[3] == "interrupt":
                let job = PercentEncoding.decode(parts[2]) ?? parts[2]
                try await jobs.interrupt(job)
                let host = request.uri.queryParameters["host"].map { " (reclaimed host \($0))" } ?? ""
                return Self.json(["message": .string("Interrupted \(job)\(host): it restarts from its checkpoints after the spot restart delay.")])
            case (.post, 2) where parts[1] == "spot-capacity":
                guard let value = request.uri.queryParameters["available"], value == "true" || value == "false" else {
                    throw AWSError.validation("Pass ?available=true or ?available=false.")
                }
                await jobs.setSpotCapacity(available: value == "true")
                return Self.json(["spotCapacityAvailable": .bool(value == "true")])
            default:
                throw AWSError(code: "NotFound", message: "No Sagebox control route \(request.method) \(path).", status: 404)
            }
        } catch {
            return Self.error(error as? AWSError ?? AWSError(code: "InternalFailure", message: String(describing: error), status: 500))
        }
    }

    static func error(_ failure: AWSError) -> Response {
        Response(
            status: .init(code: failure.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONProtocol.errorBody(failure))))
    }

    static func json(_ object: [String: JSONValue]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONValue.object(object).encoded())))
    }
}
