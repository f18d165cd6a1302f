import AWSWire
import Foundation

/// CloudWatch Logs' JSON 1.1 protocol (`Logs_20140328.*`) over the log store.
public struct LogsService: JSONService {
    public let targetPrefix = "Logs_20140328"
    public let signingName = "logs"
    public let contentType = "application/x-amz-json-1.1"
    let store: LogStore

    public init(store: LogStore) {
        self.store = store
    }

    public func handle(operation: String, input: JSONValue) async throws -> JSONValue {
        switch operation {
        case "CreateLogGroup":
            try await store.createGroup(try input.requiredString("logGroupName"), failIfExists: true)
            return .object([:])
        case "CreateLogStream":
            try await store.createStream(
                group: try input.requiredString("logGroupName"), stream: try input.requiredString("logStreamName"), failIfExists: true)
            return .object([:])
        case "PutLogEvents": return try await putLogEvents(input)
        case "DescribeLogGroups": return try await describeLogGroups(input)
        case "DescribeLogStreams": return try await describeLogStreams(input)
        case "GetLogEvents": return try await getLogEvents(input)
        case "FilterLogEvents": return try await filterLogEvents(input)
        default: throw JSONProtocol.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    private func putLogEvents(_ input: JSONValue) async throws -> JSONValue {
        let events = (input["logEvents"]?.arrayValue ?? []).compactMap { event -> (Int64, String)? in
            guard let timestamp = event["timestamp"]?.intValue, let message = event["message"]?.stringValue else { return nil }
            return (Int64(timestamp), message)
        }
        try await store.append(group: try input.requiredString("logGroupName"), stream: try input.requiredString("logStreamName"), events: events)
        return .object(["nextSequenceToken": .string(String(AWSDate.epochMilliseconds()))])
    }

    private func describeLogGroups(_ input: JSONValue) async throws -> JSONValue {
        let limit = min(max(input["limit"]?.intValue ?? 50, 1), 50)
        let (groups, more) = try await store.groups(
            prefix: input["logGroupNamePrefix"]?.stringValue, after: input["nextToken"]?.stringValue, limit: limit)
        var output: [String: JSONValue] = [
            "logGroups": .array(
                groups.map { name, created in
                    .object([
                        "logGroupName": .string(name), "creationTime": .int(Int(created)), "arn": .string(store.groupARN(name)),
                        "storedBytes": .int(0), "metricFilterCount": .int(0),
                    ])
                })
        ]
        if more, let last = groups.last { output["nextToken"] = .string(last.0) }
        return .object(output)
    }

    /// The last page carries no `nextToken`: SDK v2 repeats the request for as long as one appears.
    private func describeLogStreams(_ input: JSONValue) async throws -> JSONValue {
        let group = try input.requiredString("logGroupName")
        let byTime = input["orderBy"]?.stringValue == "LastEventTime"
        let prefix = input["logStreamNamePrefix"]?.stringValue
        if byTime && prefix != nil {
            throw AWSError(code: "InvalidParameterException", message: "Cannot order by LastEventTime with a logStreamNamePrefix.", status: 400)
        }
        let limit = min(max(input["limit"]?.intValue ?? 50, 1), 50)
        let offset = input["nextToken"]?.stringValue.flatMap { Int($0) } ?? 0
        let (streams, more) = try await store.streams(
            group: group, prefix: prefix, byLastEventTime: byTime, descending: input["descending"]?.boolValue ?? false, offset: offset,
            limit: limit)
        var output: [String: JSONValue] = [
            "logStreams": .array(
                streams.map { stream in
                    var fields: [String: JSONValue] = [
                        "logStreamName": .string(stream.name), "creationTime": .int(Int(stream.created)),
                        "arn": .string("arn:aws:logs:\(store.region):\(store.accountId):log-group:\(group):log-stream:\(stream.name)"),
                        "storedBytes": .int(Int(stream.storedBytes)),
                    ]
                    if let first = stream.firstEvent { fields["firstEventTimestamp"] = .int(Int(first)) }
                    if let last = stream.lastEvent { fields["lastEventTimestamp"] = .int(Int(last)) }
                    if let ingestion = stream.lastIngestion { fields["lastIngestionTime"] = .int(Int(ingestion)) }
                    return .object(fields)
                })
        ]
        if more { output["nextToken"] = .string(String(offset + streams.count)) }
        return .object(output)
    }

    /// Tokens are `f/<id>` (events after id) and `b/<id>` (events before id); `nextForwardToken` is always present,
    /// and following it past the end yields empty pages until new events arrive.
    private func getLogEvents(_ input: JSONValue) async throws -> JSONValue {
        let group = try input.requiredString("logGroupName")
        let stream = try input.requiredString("logStreamName")
        let limit = min(max(input["limit"]?.intValue ?? 10_000, 1), 10_000)
        var afterId: Int64? = nil
        var beforeId: Int64? = nil
        if let token = input["nextToken"]?.stringValue {
            guard let position = Int64(token.dropFirst(2)), token.hasPrefix("f/") || token.hasPrefix("b/") else {
                throw AWSError(code: "InvalidParameterException", message: "The specified nextToken is invalid.", status: 400)
            }
            if token.hasPrefix("f/") { afterId = position } else { beforeId = position }
        }
        let events = try await store.events(
            group: group, stream: stream, startTime: input["startTime"]?.intValue.map(Int64.init),
            endTime: input["endTime"]?.intValue.map(Int64.init), afterId: afterId, beforeId: beforeId,
            fromHead: input["startFromHead"]?.boolValue ?? (afterId != nil), limit: limit)
        let forward = events.last?.id ?? afterId ?? (beforeId.map { $0 - 1 } ?? 0)
        let backward = events.first?.id ?? beforeId ?? (forward + 1)
        return .object([
            "events": .array(
                events.map { .object(["timestamp": .int(Int($0.timestamp)), "message": .string($0.message), "ingestionTime": .int(Int($0.ingestion))]) }),
            "nextForwardToken": .string(Self.token("f", forward)),
            "nextBackwardToken": .string(Self.token("b", backward)),
        ])
    }

    private func filterLogEvents(_ input: JSONValue) async throws -> JSONValue {
        let group = try input.requiredString("logGroupName")
        let limit = min(max(input["limit"]?.intValue ?? 10_000, 1), 10_000)
        let terms = Self.terms(input["filterPattern"]?.stringValue ?? "")
        var afterId = input["nextToken"]?.stringValue.flatMap { Int64($0) } ?? 0
        var matched: [LogStore.Event] = []
        var exhausted = false
        // Scan in batches until the page is full; a pattern may skip many events.
        scan: while true {
            let batch = try await store.filter(
                group: group, streams: input["logStreamNames"]?.arrayValue?.compactMap(\.stringValue),
                streamPrefix: input["logStreamNamePrefix"]?.stringValue, startTime: input["startTime"]?.intValue.map(Int64.init),
                endTime: input["endTime"]?.intValue.map(Int64.init), afterId: afterId, limit: 1000)
            for event in batch {
                afterId = event.id
                if terms.allSatisfy({ event.message.contains($0) }) {
                    matched.append(event)
                    if matched.count == limit { break scan }
                }
            }
            if batch.count < 1000 {
                exhausted = true
                break
            }
        }
        var output: [String: JSONValue] = [
            "events": .array(
                matched.map {
                    .object([
                        "logStreamName": .string($0.stream), "timestamp": .int(Int($0.timestamp)), "message": .string($0.message),
                        "ingestionTime": .int(Int($0.ingestion)), "eventId": .string(String($0.id)),
                    ])
                }),
            "searchedLogStreams": .array([]),
        ]
        if !exhausted { output["nextToken"] = .string(String(afterId)) }
        return .object(output)
    }

    /// Filter patterns as plain terms: every space-separated word (or quoted phrase) must appear.
    static func terms(_ pattern: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var quoted = false
        for character in pattern {
            if character == "\"" {
                quoted.toggle()
            } else if character == " " && !quoted {
                if !current.isEmpty { terms.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { terms.append(current) }
        return terms
    }

    static func token(_ direction: String, _ id: Int64) -> String {
        direction + "/" + String(id)
    }
}
