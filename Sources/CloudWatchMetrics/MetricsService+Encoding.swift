import AWSWire
import Foundation

/// The two encodings of each operation's result, shaped as botocore's `cloudwatch` model has them: JSON 1.0 with
/// timestamps as epoch seconds, and query-protocol XML with ISO 8601 timestamps and lists as `<member>` elements.
extension MetricsService {
    static func json(_ output: StatisticsOutput) -> JSONValue {
        .object([
            "Label": .string(output.label),
            "Datapoints": .array(
                output.datapoints.map { bucket in
                    var datapoint: [String: JSONValue] = ["Timestamp": epoch(bucket.timestamp), "Unit": .string(bucket.unit)]
                    for statistic in output.statistics {
                        datapoint[statistic.rawValue] = .double(statistic.value(of: bucket.statistics))
                    }
                    return .object(datapoint)
                }),
        ])
    }

    static func xml(_ output: StatisticsOutput, _ w: inout XMLWriter) {
        w.element("Label", output.label)
        w.element("Datapoints") { w in
            for bucket in output.datapoints {
                w.element("member") { w in
                    w.element("Timestamp", iso8601(bucket.timestamp))
                    for statistic in output.statistics {
                        w.element(statistic.rawValue, number(statistic.value(of: bucket.statistics)))
                    }
                    w.element("Unit", bucket.unit)
                }
            }
        }
    }

    static func json(_ output: DataOutput) -> JSONValue {
        var object: [String: JSONValue] = [
            "MetricDataResults": .array(
                output.results.map { result in
                    .object([
                        "Id": .string(result.id), "Label": .string(result.label), "Timestamps": .array(result.timestamps.map(epoch)),
                        "Values": .array(result.values.map(JSONValue.double)), "StatusCode": .string(result.complete ? "Complete" : "PartialData"),
                    ])
                }),
            "Messages": .array([]),
        ]
        if let token = output.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    static func xml(_ output: DataOutput, _ w: inout XMLWriter) {
        w.element("MetricDataResults") { w in
            for result in output.results {
                w.element("member") { w in
                    w.element("Id", result.id)
                    w.element("Label", result.label)
                    w.element("Timestamps") { w in
                        for timestamp in result.timestamps { w.element("member", iso8601(timestamp)) }
                    }
                    w.element("Values") { w in
                        for value in result.values { w.element("member", number(value)) }
                    }
                    w.element("StatusCode", result.complete ? "Complete" : "PartialData")
                }
            }
        }
        w.optional("NextToken", output.nextToken)
        w.element("Messages") { _ in }
    }

    static func json(_ output: ListOutput) -> JSONValue {
        var object: [String: JSONValue] = [
            "Metrics": .array(
                output.metrics.map { metric in
                    .object([
                        "Namespace": .string(metric.namespace), "MetricName": .string(metric.name),
                        "Dimensions": .array(
                            metric.dimensions.sorted { $0.key < $1.key }.map { .object(["Name": .string($0.key), "Value": .string($0.value)]) }),
                    ])
                })
        ]
        if let token = output.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    static func xml(_ output: ListOutput, _ w: inout XMLWriter) {
        w.element("Metrics") { w in
            for metric in output.metrics {
                w.element("member") { w in
                    w.element("Namespace", metric.namespace)
                    w.element("MetricName", metric.name)
                    w.element("Dimensions") { w in
                        for (name, value) in metric.dimensions.sorted(by: { $0.key < $1.key }) {
                            w.element("member") { w in
                                w.element("Name", name)
                                w.element("Value", value)
                            }
                        }
                    }
                }
            }
        }
        w.optional("NextToken", output.nextToken)
    }

    /// Whole seconds as an integer, as CloudWatch writes them; botocore reads either.
    static func epoch(_ date: Date) -> JSONValue {
        let seconds = date.timeIntervalSince1970
        return seconds == seconds.rounded() ? .int(Int(seconds)) : .double(seconds)
    }

    /// `2024-05-01T12:00:00Z`, with milliseconds only when there are some.
    static func iso8601(_ date: Date) -> String {
        let text = AWSDate.iso8601(date)
        return text.hasSuffix(".000Z") ? text.dropLast(5) + "Z" : text
    }

    static func number(_ value: Double) -> String {
        String(value)
    }
}
