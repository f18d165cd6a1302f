import AWSWire
import Foundation
import Testing

@testable import CloudWatchMetrics

/// The JSON 1.0 protocol (`GraniteServiceVersion20100801.*`), as botocore ≥ 1.44 speaks it.
@Suite struct JSONProtocolTests {
    static let start = 1_714_564_800

    /// The request `TrainingJobAnalytics(job).dataframe()` sends, with the SDK's own StartTime/EndTime.
    static func analyticsRequest(_ metric: String, job: String = "job-1", start: Double, end: Double) -> String {
        """
        {"Namespace":"/aws/sagemaker/TrainingJobs","MetricName":"\(metric)",
         "Dimensions":[{"Name":"TrainingJobName","Value":"\(job)"}],
         "StartTime":\(start),"EndTime":\(end),"Period":60,"Statistics":["Average"]}
        """
    }

    @Test func servesTheTrainingJobAnalyticsCall() async throws {
        let f = try Fixture()
        try await f.put("eval_accuracy", 0.5, at: 10)
        try await f.put("eval_accuracy", 0.7, at: 50)
        try await f.put("eval_accuracy", 0.9, at: 130)
        try await f.put("eval_accuracy", job: "job-2", 0.1, at: 10)
        try await f.put("eval_loss", 2, at: 10)
        // TrainingStartTime is not on a minute; the SDK asks up to TrainingEndTime + 60 s.
        let output = try await f.json(
            "GetMetricStatistics", Self.analyticsRequest("eval_accuracy", start: Double(Self.start) + 7.25, end: Double(Self.start) + 200))
        #expect(output["Label"] == .string("eval_accuracy"))
        let points = output["Datapoints"]?.array ?? []
        #expect(points.map { $0["Timestamp"] } == [.int(Self.start), .int(Self.start + 120)])
        #expect(points.map { $0["Average"]?.doubleValue } == [0.6, 0.9])
        #expect(points.allSatisfy { $0["Unit"] == .string("None") && $0["Sum"] == nil && $0.objectValue?.count == 3 })
    }

    @Test func computesEveryStatistic() async throws {
        let f = try Fixture()
        _ = try await f.json(
            "PutMetricData",
            """
            {"Namespace":"Custom","MetricData":[
              {"MetricName":"latency","Value":4,"Timestamp":\(Self.start + 1),"Unit":"Milliseconds"},
              {"MetricName":"latency","Values":[1,10],"Counts":[2,1],"Timestamp":\(Self.start + 2),"Unit":"Milliseconds"},
              {"MetricName":"latency","StatisticValues":{"SampleCount":4,"Sum":20,"Minimum":2,"Maximum":8},"Timestamp":\(Self.start + 3),"Unit":"Milliseconds"}
            ]}
            """)
        let output = try await f.json(
            "GetMetricStatistics",
            """
            {"Namespace":"Custom","MetricName":"latency","StartTime":\(Self.start),"EndTime":\(Self.start + 60),"Period":60,
             "Statistics":["SampleCount","Average","Sum","Minimum","Maximum"],"Unit":"Milliseconds"}
            """)
        let point = try #require(output["Datapoints"]?.array.first)
        #expect(point["SampleCount"]?.doubleValue == 8)
        #expect(point["Sum"]?.doubleValue == 36)
        #expect(point["Average"]?.doubleValue == 4.5)
        #expect(point["Minimum"]?.doubleValue == 1)
        #expect(point["Maximum"]?.doubleValue == 10)
        #expect(point["Unit"] == .string("Milliseconds"))
        let otherUnit = try await f.json(
            "GetMetricStatistics",
            """
            {"Namespace":"Custom","MetricName":"latency","StartTime":\(Self.start),"EndTime":\(Self.start + 60),"Period":60,
             "Statistics":["Sum"],"Unit":"Seconds"}
            """)
        #expect(otherUnit["Datapoints"]?.array.isEmpty == true)
    }

    @Test func acceptsISO8601TimestampsToo() async throws {
        let f = try Fixture()
        _ = try await f.json(
            "PutMetricData", #"{"Namespace":"Custom","MetricData":[{"MetricName":"m","Value":1,"Timestamp":"2024-05-01T12:00:30Z"}]}"#)
        let output = try await f.json(
            "GetMetricStatistics",
            #"{"Namespace":"Custom","MetricName":"m","StartTime":"2024-05-01T12:00:00Z","EndTime":"2024-05-01T12:01:00.000Z","Period":60,"Statistics":["Sum"]}"#)
        #expect(output["Datapoints"]?.array.map { $0["Timestamp"] } == [.int(Self.start)])
    }

    @Test func putWithoutTimestampMeansNow() async throws {
        let f = try Fixture()
        _ = try await f.json("PutMetricData", #"{"Namespace":"Custom","MetricData":[{"MetricName":"m","Value":1}]}"#)
        let now = Int(Date().timeIntervalSince1970)
        let output = try await f.json(
            "GetMetricStatistics", #"{"Namespace":"Custom","MetricName":"m","StartTime":\#(now - 600),"EndTime":\#(now + 60),"Period":60,"Statistics":["SampleCount"]}"#)
        #expect(output["Datapoints"]?.array.count == 1)
    }

    @Test(arguments: [
        (#"{"MetricData":[{"MetricName":"m","Value":1}]}"#, "MissingParameter"),
        (#"{"Namespace":"AWS/EC2","MetricData":[{"MetricName":"m","Value":1}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[]}"#, "MissingParameter"),
        (#"{"Namespace":"N","MetricData":[{"Value":1}]}"#, "MissingParameter"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m"}]}"#, "InvalidParameterCombination"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Values":[1]}]}"#, "InvalidParameterCombination"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Values":[1,2],"Counts":[1]}]}"#, "InvalidParameterCombination"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Unit":"Furlongs"}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1e200}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"StorageResolution":5}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","StatisticValues":{"SampleCount":1,"Sum":1,"Minimum":1}}]}"#, "MissingParameter"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Dimensions":[{"Name":"a","Value":"1"},{"Name":"a","Value":"2"}]}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Dimensions":[{"Name":"a"}]}]}"#, "MissingParameter"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","StatisticValues":{"SampleCount":0,"Sum":1,"Minimum":1,"Maximum":1}}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Values":[1e100],"Counts":[1e-300]}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"N","MetricData":[{"MetricName":"m","Value":1,"Timestamp":1e300}]}"#, "InvalidParameterValue"),
    ])
    func rejectsBadPuts(_ body: String, _ code: String) async throws {
        let f = try Fixture()
        let error = try #require(await f.jsonError("PutMetricData", body))
        #expect(error.code == code, "\(error.message)")
        #expect(error.status == 400)
    }

    @Test func aRejectedPutStoresNothing() async throws {
        let f = try Fixture()
        _ = await f.jsonError("PutMetricData", #"{"Namespace":"N","MetricData":[{"MetricName":"ok","Value":1},{"MetricName":"bad"}]}"#)
        let listed = try await f.json("ListMetrics", "{}")
        #expect(listed["Metrics"]?.array.isEmpty == true)
    }

    static let statisticsBase = #""Namespace":"N","MetricName":"m","StartTime":1714564800,"EndTime":1714568400"#

    @Test(arguments: [
        (#"{"Namespace":"N","StartTime":1,"EndTime":2,"Period":60,"Statistics":["Sum"]}"#, "MissingParameter", "MetricName"),
        ("{\(statisticsBase),\"Statistics\":[\"Sum\"]}", "MissingParameter", "Period"),
        ("{\(statisticsBase),\"Period\":45,\"Statistics\":[\"Sum\"]}", "InvalidParameterValue", "Period"),
        ("{\(statisticsBase),\"Period\":60}", "InvalidParameterCombination", "Statistics or ExtendedStatistics"),
        ("{\(statisticsBase),\"Period\":60,\"Statistics\":[\"Median\"]}", "InvalidParameterValue", "Statistics.member.1"),
        ("{\(statisticsBase),\"Period\":60,\"ExtendedStatistics\":[\"p99\"]}", "InvalidParameterValue", "ExtendedStatistics"),
        (#"{"Namespace":"N","MetricName":"m","StartTime":1714568400,"EndTime":1714564800,"Period":60,"Statistics":["Sum"]}"#, "InvalidParameterValue", "StartTime"),
        ("{\(statisticsBase),\"Period\":1,\"Statistics\":[\"Sum\"]}", "InvalidParameterCombination", "You have requested up to 3600 datapoints"),
        (#"{"Namespace":"N","MetricName":"m","StartTime":"noon","EndTime":1714568400,"Period":60,"Statistics":["Sum"]}"#, "InvalidParameterValue", "StartTime"),
        (#"{"Namespace":"N","MetricName":"m","StartTime":1714564800,"EndTime":1e300,"Period":60,"Statistics":["Sum"]}"#, "InvalidParameterValue", "EndTime"),
        // Out-of-range numbers are errors, never a trap converting them.
        ("{\(statisticsBase),\"Period\":1e300,\"Statistics\":[\"Sum\"]}", "InvalidParameterValue", "Period"),
        ("{\(statisticsBase),\"Period\":6000000000000000000,\"Statistics\":[\"Sum\"]}", "InvalidParameterValue", "Period"),
    ])
    func rejectsBadStatisticsRequests(_ body: String, _ code: String, _ mentions: String) async throws {
        let f = try Fixture()
        let error = try #require(await f.jsonError("GetMetricStatistics", body))
        #expect(error.code == code, "\(error.message)")
        #expect(error.message.contains(mentions), "\(error.message)")
    }

    @Test func exactlyTheDatapointLimitIsAllowed() async throws {
        let f = try Fixture()
        // A day of one-minute periods is 1,440; a start inside a minute rounds down and still counts 1,440, while
        // an end 30 s later needs a 1,441st period.
        let day = #"{"Namespace":"N","MetricName":"m","StartTime":1714564830,"EndTime":1714651200,"Period":60,"Statistics":["Sum"]}"#
        _ = try await f.json("GetMetricStatistics", day)
        let error = await f.jsonError("GetMetricStatistics", day.replacingOccurrences(of: "1714651200", with: "1714651230"))
        #expect(error?.message.contains("up to 1441 datapoints") == true)
    }

    static func dataRequest(_ queries: String, start: Int = start, end: Int = start + 600, extra: String = "") -> String {
        #"{"MetricDataQueries":[\#(queries)],"StartTime":\#(start),"EndTime":\#(end)\#(extra)}"#
    }

    static func stat(_ id: String, _ metric: String, stat: String = "Average", period: Int = 60, extra: String = "") -> String {
        """
        {"Id":"\(id)","MetricStat":{"Metric":{"Namespace":"/aws/sagemaker/TrainingJobs","MetricName":"\(metric)",
         "Dimensions":[{"Name":"TrainingJobName","Value":"job-1"}]},"Period":\(period),"Stat":"\(stat)"}\(extra)}
        """
    }

    @Test func getMetricDataReturnsSeriesNewestFirst() async throws {
        let f = try Fixture()
        for minute in 0..<4 {
            try await f.put("loss", Double(10 - minute), at: Double(minute * 60 + 5))
            try await f.put("loss", Double(20 - minute), at: Double(minute * 60 + 15))
        }
        let output = try await f.json(
            "GetMetricData",
            Self.dataRequest(
                [Self.stat("avg", "loss"), Self.stat("high", "loss", stat: "Maximum", period: 120, extra: #","Label":"peak""#)].joined(separator: ",")))
        let results = output["MetricDataResults"]?.array ?? []
        #expect(results.map { $0["Id"] } == [.string("avg"), .string("high")])
        #expect(results[0]["Label"] == .string("loss"))
        #expect(results[0]["Timestamps"]?.array == [180, 120, 60, 0].map { .int(Self.start + $0) })
        #expect(results[0]["Values"]?.array.compactMap(\.doubleValue) == [12, 13, 14, 15])
        #expect(results[1]["Label"] == .string("peak"))
        #expect(results[1]["Values"]?.array.compactMap(\.doubleValue) == [18, 20])
        #expect(results.allSatisfy { $0["StatusCode"] == .string("Complete") })
        #expect(output["NextToken"] == nil)
        #expect(output["Messages"] == .array([]))

        let ascending = try await f.json("GetMetricData", Self.dataRequest(Self.stat("avg", "loss"), extra: #","ScanBy":"TimestampAscending""#))
        #expect(ascending["MetricDataResults"]?.array.first?["Values"]?.array.compactMap(\.doubleValue) == [15, 14, 13, 12])
    }

    @Test func getMetricDataSkipsHiddenQueriesAndKeepsEmptyOnes() async throws {
        let f = try Fixture()
        try await f.put("loss", 1, at: 0)
        let output = try await f.json(
            "GetMetricData",
            Self.dataRequest([Self.stat("hidden", "loss", extra: #","ReturnData":false"#), Self.stat("none", "missing")].joined(separator: ",")))
        let results = output["MetricDataResults"]?.array ?? []
        #expect(results.map { $0["Id"] } == [.string("none")])
        #expect(results.first?["Values"] == .array([]))
        #expect(results.first?["StatusCode"] == .string("Complete"))
    }

    @Test func getMetricDataPagesByMaxDatapoints() async throws {
        let f = try Fixture()
        for minute in 0..<5 {
            try await f.put("loss", Double(minute), at: Double(minute * 60))
            try await f.put("acc", Double(minute), at: Double(minute * 60))
        }
        let queries = [Self.stat("l", "loss"), Self.stat("a", "acc")].joined(separator: ",")
        var token: String?
        var values: [String: [Double]] = [:]
        var pages: [[String]] = []
        repeat {
            let extra = #","MaxDatapoints":3,"ScanBy":"TimestampAscending""# + (token.map { #","NextToken":"\#($0)""# } ?? "")
            let page = try await f.json("GetMetricData", Self.dataRequest(queries, extra: extra))
            var statuses: [String] = []
            for result in page["MetricDataResults"]?.array ?? [] {
                let id = result["Id"]?.stringValue ?? ""
                values[id, default: []] += result["Values"]?.array.compactMap(\.doubleValue) ?? []
                statuses.append(id + ":" + (result["StatusCode"]?.stringValue ?? ""))
            }
            pages.append(statuses)
            token = page["NextToken"]?.stringValue
        } while token != nil && pages.count < 10
        // Three values a page: the page that ends inside a series marks it PartialData and hands out a NextToken.
        #expect(pages == [["l:PartialData"], ["l:Complete", "a:PartialData"], ["a:PartialData"], ["a:Complete"]])
        #expect(values == ["l": [0, 1, 2, 3, 4], "a": [0, 1, 2, 3, 4]])
        let error = await f.jsonError("GetMetricData", Self.dataRequest(queries, extra: #","NextToken":"garbage""#))
        #expect(error?.code == "InvalidNextToken")
    }

    @Test(arguments: [
        (dataRequest([stat("a", "m"), stat("a", "n")].joined(separator: ",")), "not unique"),
        (dataRequest(stat("A1", "m")), "lowercase"),
        (dataRequest(stat("a", "m", stat: "p99")), "p99"),
        (dataRequest(stat("a", "m", period: 7)), "Period"),
        (dataRequest(#"{"Id":"e","Expression":"SUM(METRICS())"}"#), "Expression"),
        (dataRequest(#"{"Id":"e"}"#), "MetricStat"),
        (dataRequest(stat("a", "m"), start: start + 60, end: start), "StartTime"),
        (dataRequest(stat("a", "m"), extra: #","ScanBy":"Sideways""#), "ScanBy"),
        (#"{"MetricDataQueries":[],"StartTime":1,"EndTime":2}"#, "MetricDataQueries"),
    ])
    func getMetricDataReportsValidationErrors(_ body: String, _ mentions: String) async throws {
        let f = try Fixture()
        let error = try #require(await f.jsonError("GetMetricData", body))
        #expect(error.code == "ValidationError")
        #expect(error.message.contains(mentions), "\(error.message)")
    }

    @Test func listMetricsFiltersAndPages() async throws {
        let f = try Fixture()
        var data: [MetricStore.Datum] = []
        for index in 0..<501 {
            data.append(
                MetricStore.Datum(
                    metric: Metric(namespace: "Many", name: "m\(index)", dimensions: ["Host": "algo-\(index % 2 + 1)", "TrainingJobName": "job"]),
                    statistics: StatisticSet(value: 1), timestamp: Fixture.base))
        }
        try await f.store.put(data)
        try await f.put("loss", 1, at: 0)

        let first = try await f.json("ListMetrics", #"{"Namespace":"Many"}"#)
        #expect(first["Metrics"]?.array.count == 500)
        let token = try #require(first["NextToken"]?.stringValue)
        let second = try await f.json("ListMetrics", #"{"Namespace":"Many","NextToken":"\#(token)"}"#)
        #expect(second["Metrics"]?.array.map { $0["MetricName"] } == [.string("m500")])
        #expect(second["NextToken"] == nil)

        let filtered = try await f.json(
            "ListMetrics", #"{"MetricName":"m3","Dimensions":[{"Name":"Host","Value":"algo-2"},{"Name":"TrainingJobName"}]}"#)
        #expect(
            filtered["Metrics"]
                == .array([
                    .object([
                        "Namespace": .string("Many"), "MetricName": .string("m3"),
                        "Dimensions": .array([
                            .object(["Name": .string("Host"), "Value": .string("algo-2")]),
                            .object(["Name": .string("TrainingJobName"), "Value": .string("job")]),
                        ]),
                    ])
                ]))

        let recent = try await f.json("ListMetrics", #"{"Namespace":"/aws/sagemaker/TrainingJobs","RecentlyActive":"PT3H"}"#)
        #expect(recent["Metrics"]?.array.count == 1)
        #expect(await f.jsonError("ListMetrics", #"{"RecentlyActive":"P1D"}"#)?.code == "InvalidParameterValue")
        #expect(await f.jsonError("ListMetrics", #"{"NextToken":"x"}"#)?.code == "InvalidParameterValue")
    }

    @Test func unknownOperationsAreNamed() async throws {
        let f = try Fixture()
        let error = try #require(await f.jsonError("PutMetricAlarm", "{}"))
        #expect(error.code == "UnknownOperationException")
        #expect(error.message.contains("GraniteServiceVersion20100801.PutMetricAlarm"))
        #expect(f.service.targetPrefix == "GraniteServiceVersion20100801")
        #expect(f.service.contentType == "application/x-amz-json-1.0")
    }
}
