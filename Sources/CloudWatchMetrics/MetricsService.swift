import AWSWire
import Foundation

/// CloudWatch (metrics) over the metric store, in both of its wire protocols: JSON 1.0
/// (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`, what botocore ≥ 1.44 sends) through `handle`, and the query
/// protocol of older clients through `respond(action:…)`. Each operation is read into one typed result that both encoders
/// write, so the two protocols cannot drift apart.
public struct MetricsService: JSONService, QueryService {
    public static let namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"
    public let targetPrefix = "GraniteServiceVersion20100801"
    public let signingName = "monitoring"
    public let apiVersion = "2010-08-01"
    public var xmlNamespace: String { Self.namespace }
    public let contentType = "application/x-amz-json-1.0"
    let store: MetricStore

    public init(store: MetricStore) {
        self.store = store
    }

    public func handle(operation: String, input: JSONValue) async throws -> JSONValue {
        switch operation {
        case "PutMetricData":
            try await putMetricData(input)
            return .object([:])
        case "GetMetricStatistics": return Self.json(try await getMetricStatistics(input))
        case "GetMetricData": return Self.json(try await getMetricData(input))
        case "ListMetrics": return Self.json(try await listMetrics(input))
        default: throw JSONProtocol.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    /// One query-protocol request (the form's parameters, `Action` included) to its XML response document.
    public func respond(action: String, parameters: [String: String], accessKeyId: String?, requestID: String) async throws -> String {
        let input = MetricsInput.queryTree(parameters)
        switch action {
        case "PutMetricData":
            try await putMetricData(input)
            // PutMetricData has no output shape: the response holds only its metadata, no PutMetricDataResult.
            var w = XMLWriter()
            w.element("PutMetricDataResponse", xmlns: Self.namespace) { w in
                w.element("ResponseMetadata") { $0.element("RequestId", requestID) }
            }
            return w.text
        case "GetMetricStatistics":
            let output = try await getMetricStatistics(input)
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { Self.xml(output, &$0) }
        case "GetMetricData":
            let output = try await getMetricData(input)
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { Self.xml(output, &$0) }
        case "ListMetrics":
            let output = try await listMetrics(input)
            return QueryProtocol.response(action: action, namespace: Self.namespace, requestID: requestID) { Self.xml(output, &$0) }
        default:
            throw QueryProtocol.invalidAction(action, service: "CloudWatch")
        }
    }

    // MARK: - Operations

    struct StatisticsOutput {
        let label: String
        let statistics: [Statistic]
        let datapoints: [MetricStore.Bucket]
    }

    struct DataResult {
        let id: String
        let label: String
        let timestamps: [Date]
        let values: [Double]
        /// False when the page ends inside this result's data (`PartialData`, with a `NextToken`).
        let complete: Bool
    }

    struct DataOutput {
        let results: [DataResult]
        let nextToken: String?
    }

    struct ListOutput {
        let metrics: [Metric]
        let nextToken: String?
    }

    /// CloudWatch's limits on what one call may ask for. Values within ±2^360 counted at least once and at most 2^53
    /// times keep every sum and average finite, which JSON needs.
    static let maxStatisticsDatapoints = 1440
    static let maxValue = 0x1p360
    static let maxCount = 0x1p53
    static let listPageSize = 500

    private func putMetricData(_ input: JSONValue) async throws {
        let namespace = try MetricsInput.requiredString(input, "Namespace")
        // `AWS/` namespaces are reserved for AWS's own services.
        guard namespace.count <= 255, !namespace.hasPrefix(":"), !namespace.hasPrefix("AWS/") else {
            throw MetricsInput.invalid("The value \(namespace) for parameter Namespace is invalid.")
        }
        var lists: [(path: String, members: [JSONValue])] = []
        if let members = try MetricsInput.list(input, "MetricData", path: "MetricData") {
            lists.append(("MetricData", members))
        }
        // Entity-scoped data is stored like plain data; Sagebox keeps no entities.
        for (index, entity) in (try MetricsInput.list(input, "EntityMetricData", path: "EntityMetricData") ?? []).enumerated() {
            let path = "EntityMetricData.member.\(index + 1).MetricData"
            lists.append((path, try MetricsInput.list(entity, "MetricData", path: path) ?? []))
        }
        guard lists.contains(where: { !$0.members.isEmpty }) else { throw MetricsInput.missing("MetricData") }
        let now = Date()
        var data: [MetricStore.Datum] = []
        for (path, members) in lists {
            guard members.count <= 1000 else {
                throw MetricsInput.invalid("The collection \(path) must not have a size greater than 1000.")
            }
            for (index, member) in members.enumerated() {
                data += try Self.datums(member, namespace: namespace, path: "\(path).member.\(index + 1)", now: now)
            }
        }
        try await store.put(data)
    }

    /// One `MetricDatum`: exactly one of `Value`, `StatisticValues` or `Values` (with optional `Counts`).
    static func datums(_ member: JSONValue, namespace: String, path: String, now: Date) throws -> [MetricStore.Datum] {
        let metric = Metric(
            namespace: namespace, name: try MetricsInput.requiredString(member, "MetricName", path: path + ".MetricName"),
            dimensions: try MetricsInput.dimensions(member, "Dimensions", path: path + ".Dimensions"))
        let timestamp = try MetricsInput.timestamp(member, "Timestamp", path: path + ".Timestamp") ?? now
        let unit = try MetricsInput.unit(member, "Unit", path: path + ".Unit")
        if let resolution = try MetricsInput.int(member, "StorageResolution", path: path + ".StorageResolution"), resolution != 1, resolution != 60 {
            throw MetricsInput.invalid("The parameter \(path).StorageResolution must be 1 or 60.")
        }
        let value = try MetricsInput.double(member, "Value", path: path + ".Value")
        let set = try statisticValues(member, path: path + ".StatisticValues")
        let values = try numbers(member, "Values", path: path + ".Values")
        let counts = try numbers(member, "Counts", path: path + ".Counts")
        let given = [value != nil, set != nil, values != nil].filter { $0 }.count
        guard given == 1 else {
            throw MetricsInput.combination(
                given == 0
                    ? "One of the parameters \(path).Value, \(path).StatisticValues or \(path).Values must be specified."
                    : "The parameters \(path).Value, \(path).StatisticValues and \(path).Values are mutually exclusive and you have specified more than one.")
        }
        for number in [value].compactMap({ $0 }) + (values ?? []) + (set.map { [$0.sum, $0.minimum, $0.maximum] } ?? [])
        where abs(number) > maxValue {
            throw MetricsInput.invalid("The value \(number) for parameter \(path) is out of range: values must be between -2^360 and 2^360.")
        }
        if let value { return [MetricStore.Datum(metric: metric, statistics: StatisticSet(value: value), timestamp: timestamp, unit: unit)] }
        if let set { return [MetricStore.Datum(metric: metric, statistics: set, timestamp: timestamp, unit: unit)] }
        let samples = values ?? []
        guard samples.count <= 150 else { throw MetricsInput.invalid("The collection \(path).Values must not have a size greater than 150.") }
        if let counts {
            guard counts.count == samples.count else {
                throw MetricsInput.combination("The parameters \(path).Values and \(path).Counts must be of the same size.")
            }
            guard counts.allSatisfy({ $0 == 0 || (1...maxCount).contains($0) }) else {
                throw MetricsInput.invalid("Each of \(path).Counts must be 0, or between 1 and 2^53.")
            }
        }
        // A value counted zero times contributes nothing (and would make an average of 0/0).
        return zip(samples, counts ?? samples.map { _ in 1 }).filter { $0.1 > 0 }.map { sample, count in
            MetricStore.Datum(metric: metric, statistics: StatisticSet(value: sample, count: count), timestamp: timestamp, unit: unit)
        }
    }

    private static func statisticValues(_ member: JSONValue, path: String) throws -> StatisticSet? {
        guard let values = member["StatisticValues"], values != .null else { return nil }
        func required(_ key: String) throws -> Double {
            guard let number = try MetricsInput.double(values, key, path: "\(path).\(key)") else { throw MetricsInput.missing("\(path).\(key)") }
            return number
        }
        let set = StatisticSet(sampleCount: try required("SampleCount"), sum: try required("Sum"), minimum: try required("Minimum"), maximum: try required("Maximum"))
        guard (1...maxCount).contains(set.sampleCount) else {
            throw MetricsInput.invalid("The parameter \(path).SampleCount must be between 1 and 2^53.")
        }
        guard set.minimum <= set.maximum else { throw MetricsInput.invalid("The parameter \(path).Minimum must not be greater than \(path).Maximum.") }
        return set
    }

    private static func numbers(_ member: JSONValue, _ key: String, path: String) throws -> [Double]? {
        try MetricsInput.list(member, key, path: path)?.enumerated().map { index, element in
            guard let number = try MetricsInput.number(element, path: "\(path).member.\(index + 1)") else {
                throw MetricsInput.missing("\(path).member.\(index + 1)")
            }
            return number
        }
    }

    private func getMetricStatistics(_ input: JSONValue) async throws -> StatisticsOutput {
        let name = try MetricsInput.requiredString(input, "MetricName")
        let metric = Metric(
            namespace: try MetricsInput.requiredString(input, "Namespace"), name: name,
            dimensions: try MetricsInput.dimensions(input, "Dimensions", path: "Dimensions"))
        let start = try MetricsInput.requiredTimestamp(input, "StartTime")
        let end = try MetricsInput.requiredTimestamp(input, "EndTime")
        let period = try MetricsInput.period(input, "Period", path: "Period")
        let unit = try MetricsInput.unit(input, "Unit", path: "Unit")
        if let extended = try MetricsInput.list(input, "ExtendedStatistics", path: "ExtendedStatistics"), !extended.isEmpty {
            throw MetricsInput.invalid(
                "Sagebox does not compute ExtendedStatistics (percentiles); ask for Statistics: Average, Sum, Minimum, Maximum or SampleCount.")
        }
        var statistics: [Statistic] = []
        for (index, element) in (try MetricsInput.list(input, "Statistics", path: "Statistics") ?? []).enumerated() {
            guard let statistic = element.stringValue.flatMap(Statistic.init(rawValue:)) else {
                throw MetricsInput.invalid(
                    "The parameter Statistics.member.\(index + 1) must be a value in the set [ Average, Maximum, Minimum, SampleCount, Sum ].")
            }
            if !statistics.contains(statistic) { statistics.append(statistic) }
        }
        guard !statistics.isEmpty else { throw MetricsInput.combination("Must specify either Statistics or ExtendedStatistics") }
        guard start < end else { throw MetricsInput.invalid("The parameter StartTime must be less than the parameter EndTime.") }
        let origin = Self.origin(start, period: period)
        let requested = Int((end.timeIntervalSince(origin) / Double(period)).rounded(.up))
        guard requested <= Self.maxStatisticsDatapoints else {
            throw MetricsInput.combination(
                "You have requested up to \(requested) datapoints, which exceeds the limit of \(Self.maxStatisticsDatapoints). "
                    + "You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
        }
        let buckets = try await store.aggregate(metric, origin: origin, end: end, period: period, unit: unit)
        return StatisticsOutput(label: name, statistics: statistics, datapoints: buckets)
    }

    private struct DataQuery {
        let id: String
        let label: String
        let metric: Metric
        let period: Int
        let statistic: Statistic
        let unit: String?
        let returnData: Bool
    }

    private func getMetricData(_ input: JSONValue) async throws -> DataOutput {
        let queries: [DataQuery]
        let start: Date
        let end: Date
        let ascending: Bool
        let maxDatapoints: Int
        var position = (query: 0, offset: 0)
        do {
            let members = try MetricsInput.list(input, "MetricDataQueries", path: "MetricDataQueries") ?? []
            guard !members.isEmpty else { throw MetricsInput.missing("MetricDataQueries") }
            guard members.count <= 500 else { throw MetricsInput.invalid("The collection MetricDataQueries must not have a size greater than 500.") }
            queries = try Self.dataQueries(members)
            start = try MetricsInput.requiredTimestamp(input, "StartTime")
            end = try MetricsInput.requiredTimestamp(input, "EndTime")
            guard start < end else { throw MetricsInput.invalid("The parameter StartTime must be less than the parameter EndTime.") }
            switch try MetricsInput.string(input, "ScanBy") {
            case nil, "TimestampDescending": ascending = false
            case "TimestampAscending": ascending = true
            case let other?: throw MetricsInput.invalid("The value \(other) for parameter ScanBy is not one of TimestampDescending, TimestampAscending.")
            }
            maxDatapoints = try MetricsInput.int(input, "MaxDatapoints", path: "MaxDatapoints") ?? 100_800
            guard maxDatapoints > 0 else { throw MetricsInput.invalid("The parameter MaxDatapoints must be greater than 0.") }
        } catch let error as AWSError {
            // GetMetricData reports every problem with its input as a ValidationError.
            throw AWSError(code: "ValidationError", message: error.message, status: 400)
        }
        if let token = try MetricsInput.string(input, "NextToken") {
            let parts = token.split(separator: ".")
            guard parts.count == 2, let query = Int(parts[0]), let offset = Int(parts[1]), query >= 0, query < queries.count, offset >= 0 else {
                throw AWSError(code: "InvalidNextToken", message: "The service couldn't process the NextToken \(token).", status: 400)
            }
            position = (query, offset)
        }
        var results: [DataResult] = []
        var budget = maxDatapoints
        var nextToken: String?
        for index in position.query..<queries.count where queries[index].returnData {
            let query = queries[index]
            var points = try await series(query, start: start, end: end)
            if !ascending { points.reverse() }
            let from = index == position.query ? min(position.offset, points.count) : 0
            let remaining = points[from...]
            let page = remaining.prefix(budget)
            let complete = page.count == remaining.count
            results.append(DataResult(id: query.id, label: query.label, timestamps: page.map(\.0), values: page.map(\.1), complete: complete))
            budget -= page.count
            if !complete {
                nextToken = "\(index).\(from + page.count)"
                break
            }
        }
        return DataOutput(results: results, nextToken: nextToken)
    }

    private static func dataQueries(_ members: [JSONValue]) throws -> [DataQuery] {
        var ids: Set<String> = []
        return try members.enumerated().map { index, member in
            let path = "MetricDataQueries.member.\(index + 1)"
            let id = try MetricsInput.requiredString(member, "Id", path: path + ".Id")
            guard let first = id.unicodeScalars.first, ("a"..."z").contains(first),
                id.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
            else {
                throw MetricsInput.invalid(
                    "The value \(id) for parameter \(path).Id is invalid: it must start with a lowercase letter and hold only letters, digits and underscores.")
            }
            guard ids.insert(id).inserted else { throw MetricsInput.invalid("The values for parameter id in MetricDataQueries are not unique.") }
            if try MetricsInput.string(member, "Expression", path: path + ".Expression") != nil {
                throw MetricsInput.invalid("Sagebox does not evaluate metric math or Metrics Insights expressions (\(path).Expression); use MetricStat.")
            }
            guard let stat = member["MetricStat"], stat != .null else { throw MetricsInput.missing(path + ".MetricStat") }
            guard let metric = stat["Metric"], metric != .null else { throw MetricsInput.missing(path + ".MetricStat.Metric") }
            let name = try MetricsInput.requiredString(metric, "MetricName", path: path + ".MetricStat.Metric.MetricName")
            let statName = try MetricsInput.requiredString(stat, "Stat", path: path + ".MetricStat.Stat")
            guard let statistic = Statistic(rawValue: statName) else {
                throw MetricsInput.invalid(
                    "Sagebox computes only the statistics Average, Sum, Minimum, Maximum and SampleCount; \(statName) for parameter \(path).MetricStat.Stat is not one of them.")
            }
            return DataQuery(
                id: id, label: try MetricsInput.string(member, "Label", path: path + ".Label") ?? name,
                metric: Metric(
                    namespace: try MetricsInput.requiredString(metric, "Namespace", path: path + ".MetricStat.Metric.Namespace"), name: name,
                    dimensions: try MetricsInput.dimensions(metric, "Dimensions", path: path + ".MetricStat.Metric.Dimensions")),
                period: try MetricsInput.period(stat, "Period", path: path + ".MetricStat.Period"), statistic: statistic,
                unit: try MetricsInput.unit(stat, "Unit", path: path + ".MetricStat.Unit"),
                returnData: try MetricsInput.bool(member, "ReturnData", path: path + ".ReturnData") ?? true)
        }
    }

    /// One query's values in time order; data put under several units is combined, as one series has one value per period.
    private func series(_ query: DataQuery, start: Date, end: Date) async throws -> [(Date, Double)] {
        let buckets = try await store.aggregate(query.metric, origin: Self.origin(start, period: query.period), end: end, period: query.period, unit: query.unit)
        var combined: [(Date, StatisticSet)] = []
        for bucket in buckets {
            if let last = combined.last, last.0 == bucket.timestamp {
                combined[combined.count - 1].1 = last.1.merged(with: bucket.statistics)
            } else {
                combined.append((bucket.timestamp, bucket.statistics))
            }
        }
        return combined.map { ($0.0, query.statistic.value(of: $0.1)) }
    }

    private func listMetrics(_ input: JSONValue) async throws -> ListOutput {
        var filters: [(name: String, value: String?)] = []
        let members = try MetricsInput.list(input, "Dimensions", path: "Dimensions") ?? []
        guard members.count <= 10 else { throw MetricsInput.invalid("The collection Dimensions must not have a size greater than 10.") }
        for (index, member) in members.enumerated() {
            let path = "Dimensions.member.\(index + 1)"
            filters.append((try MetricsInput.requiredString(member, "Name", path: path + ".Name"), try MetricsInput.string(member, "Value", path: path + ".Value")))
        }
        var activeSince: Date?
        switch try MetricsInput.string(input, "RecentlyActive") {
        case nil: break
        case "PT3H": activeSince = Date().addingTimeInterval(-3 * 3600)
        case let other?: throw MetricsInput.invalid("The value \(other) for parameter RecentlyActive is not valid; the only valid value is PT3H.")
        }
        var after: Int64 = 0
        if let token = try MetricsInput.string(input, "NextToken") {
            guard let position = Int64(token), position >= 0 else { throw MetricsInput.invalid("The value \(token) for parameter NextToken is invalid.") }
            after = position
        }
        let (listed, more) = try await store.metrics(
            namespace: try MetricsInput.string(input, "Namespace"), name: try MetricsInput.string(input, "MetricName"), dimensions: filters,
            activeSince: activeSince, after: after, limit: Self.listPageSize)
        return ListOutput(metrics: listed.map(\.metric), nextToken: more ? listed.last.map { String($0.id) } : nil)
    }

    /// Where a query's periods start. CloudWatch rounds StartTime down to the whole minute for periods of a minute or
    /// more, and to a multiple of the period within the minute for high-resolution periods (1–30 s); datapoints are
    /// stamped with the start of their period.
    static func origin(_ start: Date, period: Int) -> Date {
        let seconds = Int64(start.timeIntervalSince1970.rounded(.down))
        let step = Int64(period >= 60 ? 60 : period)
        let remainder = ((seconds % step) + step) % step
        return Date(timeIntervalSince1970: Double(seconds - remainder))
    }
}
