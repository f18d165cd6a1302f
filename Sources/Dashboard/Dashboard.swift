import AWSWire
import CloudWatchLogs
import CloudWatchMetrics
import Foundation
import Hummingbird
import NIOCore
import ObjectStore
import TrainingJobs

/// The web dashboard at `/_sagebox/ui/`: server-rendered pages over the job records, logs, metrics and objects.
/// It only reads (`allJobs`, `job`, log and metric queries, listings and object reads), so it cannot change what
/// clients see through the AWS APIs.
public struct Dashboard: Sendable {
    let jobs: JobController
    let logs: LogStore
    let metrics: MetricStore
    let objects: ObjectStore

    static let prefix = "/_sagebox/ui"
    static let logGroup = "/aws/sagemaker/TrainingJobs"
    /// Lines a job page shows at first, and the most one poll of the live tail returns.
    static let pageLines = 10_000
    static let tailLines = 1_000

    public init(jobs: JobController, logs: LogStore, metrics: MetricStore, objects: ObjectStore) {
        self.jobs = jobs
        self.logs = logs
        self.metrics = metrics
        self.objects = objects
    }

    /// The dashboard's answer to a request under `/_sagebox/ui`, or nil for any other path.
    public func respond(to request: Request) async -> Response? {
        let path = request.uri.path
        guard path == Self.prefix || path.hasPrefix(Self.prefix + "/") else { return nil }
        guard request.method == .get || request.method == .head else {
            return Self.page(Self.problem("Method not allowed", "The dashboard only reads."), status: .methodNotAllowed)
        }
        if path == Self.prefix {
            return Response(status: .movedPermanently, headers: [.location: Links.root])
        }
        let parts = path.dropFirst(Self.prefix.count + 1).split(separator: "/").map { PercentEncoding.decode($0) ?? String($0) }
        let query = Self.queryParameters(request.uri.query)
        do {
            switch parts.count {
            case 0:
                return Self.page(try await jobsPage())
            case 2 where parts[0] == "jobs":
                return Self.page(try await jobPage(parts[1]))
            case 3 where parts[0] == "jobs" && parts[2] == "log":
                return try await logTail(parts[1], after: Int64(query["after"] ?? "") ?? 0)
            case 1 where parts[0] == "buckets":
                return Self.page(BucketPages.list(try await objects.listBuckets()))
            case 2 where parts[0] == "buckets":
                let prefix = query["prefix"] ?? ""
                let page = try await objects.list(bucket: parts[1], ListQuery(prefix: prefix, delimiter: "/", after: query["after"], maxKeys: 1000))
                return Self.page(BucketPages.objects(bucket: parts[1], prefix: prefix, page: page))
            case 3 where parts[0] == "buckets" && parts[2] == "object":
                return try await download(bucket: parts[1], key: query["key"] ?? "")
            default:
                return Self.page(Self.problem("Not found", "The dashboard has no page at \(path)."), status: .notFound)
            }
        } catch let error as AWSError {
            return Self.page(Self.problem(error.code, error.message), status: .init(code: error.status))
        } catch {
            return Self.page(Self.problem("Internal error", String(describing: error)), status: .internalServerError)
        }
    }

    func jobsPage() async throws -> Markup {
        let now = Date()
        let all = await jobs.allJobs().sorted { $0.creationTime > $1.creationTime }
        return JobsPage.render(all.map { JobSummary(job: $0, now: now) })
    }

    func jobPage(_ name: String) async throws -> Markup {
        let summary = JobSummary(job: try await record(name), now: Date())
        var charts: [MetricChart] = []
        for definition in summary.metricDefinitions {
            charts.append(MetricChart(name: definition.name, regex: definition.regex, points: try await series(summary, metric: definition.name)))
        }
        let events = try await logEvents(name, after: 0, limit: Self.pageLines)
        return JobPage.render(summary, charts: charts, log: events, logCursor: events.last?.id ?? 0)
    }

    /// The job's record; a missing job is a 404 page naming it (the API's own error is a 400 naming nothing).
    func record(_ name: String) async throws -> TrainingJob {
        do {
            return try await jobs.job(name)
        } catch {
            throw AWSError(code: "Not found", message: "No training job named '\(name)'.", status: 404)
        }
    }

    /// One metric of a job, a value per second (the mean when a second holds several), timed from the job's creation.
    func series(_ job: JobSummary, metric name: String) async throws -> [(seconds: Double, value: Double)] {
        let metric = Metric(namespace: Metric.trainingJobsNamespace, name: name, dimensions: [Metric.trainingJobDimension: job.name])
        let origin = job.job.creationTime.addingTimeInterval(-1)
        let buckets = try await metrics.aggregate(metric, origin: origin, end: job.now.addingTimeInterval(1), period: 1, unit: nil)
        return buckets.map {
            ($0.timestamp.timeIntervalSince(job.job.creationTime), $0.statistics.sum / max(1, $0.statistics.sampleCount))
        }
    }

    func logEvents(_ job: String, after: Int64, limit: Int) async throws -> [LogStore.Event] {
        do {
            return try await logs.filter(
                group: Self.logGroup, streams: nil, streamPrefix: job + "/", startTime: nil, endTime: nil, afterId: after, limit: limit)
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return []  // nothing logged yet on this server: no log group
        }
    }

    /// The live tail's poll: lines after `after`, and whether more can come. The status is read before the lines:
    /// every line is written before a job turns terminal, so a terminal answer never leaves a line behind.
    func logTail(_ name: String, after: Int64) async throws -> Response {
        let live = !(try await record(name)).status.isTerminal
        let events = try await logEvents(name, after: after, limit: Self.tailLines)
        let body = JSONValue.object([
            "events": .array(events.map { .object(["id": .int(Int($0.id)), "stream": .string($0.stream), "message": .string($0.message)]) }),
            "after": .int(Int(events.last?.id ?? after)),
            "live": .bool(live || events.count == Self.tailLines),
        ])
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    func download(bucket: String, key: String) async throws -> Response {
        let reader = try await objects.openObject(bucket: bucket, key: key)
        let record = reader.record
        let filename = key.split(separator: "/").last.map(String.init) ?? "object"
        let headers: HTTPFields = [
            .contentType: record.attributes.contentType ?? "application/octet-stream",
            .contentLength: String(record.size),
            .contentDisposition: "attachment; filename*=UTF-8''\(Links.component(filename))",
        ]
        guard record.size > 0 else { return Response(status: .ok, headers: headers) }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: Int(record.size)) { writer in
                try await reader.read(0...(record.size - 1)) { try await writer.write($0) }
                try await writer.finish(nil)
            })
    }

    static func page(_ markup: Markup, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: markup.html)))
    }

    static func problem(_ title: String, _ message: String) -> Markup {
        Layout.page(title, section: .jobs, "<h1>\(title)</h1><p>\(message)</p><p><a href=\"\(Links.root)\">Back to the training jobs</a></p>")
    }

    /// Query parameters, decoded as forms encode them (`+` is a space; Hummingbird's own leaves it).
    static func queryParameters(_ query: String?) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let fields = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(fields[0], plusIsSpace: true) else { continue }
            parameters[name] = fields.count > 1 ? PercentEncoding.decode(fields[1], plusIsSpace: true) ?? "" : ""
        }
        return parameters
    }
}
