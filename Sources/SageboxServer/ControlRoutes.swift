import AWSWire
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
    /// Reported by health so that `sagebox stop --wait` can say how long a stop may take, and why.
    let stopGraceSeconds: Double
    let sigtermToScript: Bool
    let dashboard: Dashboard
    let startedAt = Date()

    func respond(to request: Request) async -> Response? {
        let path = request.uri.path
        guard path.hasPrefix("/_sagebox/") || path == "/_sagebox" else { return nil }
        if let page = await dashboard.respond(to: request) { return page }
        do {
            let parts = path.split(separator: "/").map(String.init)
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
        } catch let error as AWSError {
            var response = Self.json(["__type": .string(error.code), "message": .string(error.message)])
            response.status = .init(code: error.status)
            return response
        } catch {
            var response = Self.json(["__type": .string("InternalFailure"), "message": .string(String(describing: error))])
            response.status = .internalServerError
            return response
        }
    }

    static func json(_ object: [String: JSONValue]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONValue.object(object).encoded())))
    }
}
