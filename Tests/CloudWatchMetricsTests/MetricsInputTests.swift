import AWSWire
import Foundation
import Testing

@testable import CloudWatchMetrics

@Suite struct MetricsInputTests {
    @Test(arguments: [
        ("2024-05-01T12:00:00Z", 1_714_564_800.0),
        ("2024-05-01T12:00:00.250Z", 1_714_564_800.25),
        ("2024-05-01T12:00:00", 1_714_564_800),
        ("2024-05-01T14:00:00+02:00", 1_714_564_800),
        ("2024-05-01T07:30:00-0430", 1_714_564_800),
        ("2024-05-01 12:00:00.123456Z", 1_714_564_800.123456),
    ])
    func parsesISO8601(_ text: String, _ seconds: Double) throws {
        let date = try #require(MetricsInput.parseISO8601(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: ["", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T12:00:00Q", "2024-05-01T12:00:00.Z", "yesterday"])
    func rejectsMalformedTimestamps(_ text: String) {
        #expect(MetricsInput.parseISO8601(text) == nil)
    }

    @Test func timestampsAcceptEpochNumbersAndStrings() throws {
        let input = JSONValue.object(["a": .int(1_714_564_800), "b": .double(1_714_564_800.5), "c": .string("1714564800"), "d": .string("2024-05-01T12:00:00Z")])
        for key in ["a", "c", "d"] {
            #expect(try MetricsInput.timestamp(input, key, path: key) == Fixture.base)
        }
        #expect(try MetricsInput.timestamp(input, "b", path: "b") == Fixture.at(0.5))
        #expect(throws: AWSError.self) { try MetricsInput.timestamp(.object(["x": .string("soon")]), "x", path: "x") }
    }

    @Test func queryFormsBecomeDocuments() throws {
        let tree = MetricsInput.queryTree([
            "Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "N",
            "MetricData.member.1.MetricName": "m",
            "MetricData.member.1.Dimensions.member.2.Name": "b", "MetricData.member.1.Dimensions.member.2.Value": "2",
            "MetricData.member.1.Dimensions.member.1.Name": "a", "MetricData.member.1.Dimensions.member.1.Value": "1",
            "MetricData.member.1.StatisticValues.Sum": "3",
            "MetricData.member.10.MetricName": "tenth", "MetricData.member.2.MetricName": "second",
            "Statistics": "",
        ])
        #expect(tree["Action"] == nil && tree["Version"] == nil)
        #expect(tree["Namespace"] == .string("N"))
        let data = tree["MetricData"]?.array ?? []
        #expect(data.map { $0["MetricName"]?.stringValue } == ["m", "second", "tenth"])
        #expect(data.first?["Dimensions"]?.array.map { $0["Name"]?.stringValue } == ["a", "b"])
        #expect(data.first?["StatisticValues"]?["Sum"] == .string("3"))
        #expect(try MetricsInput.list(tree, "Statistics", path: "Statistics") == [])
    }

    @Test func numbersAcceptStringsButNotNonFiniteValues() throws {
        #expect(try MetricsInput.double(.object(["v": .string("2.5")]), "v", path: "v") == 2.5)
        #expect(try MetricsInput.int(.object(["v": .string("60")]), "v", path: "v") == 60)
        #expect(throws: AWSError.self) { try MetricsInput.double(.object(["v": .string("NaN")]), "v", path: "v") }
        #expect(throws: AWSError.self) { try MetricsInput.double(.object(["v": .string("inf")]), "v", path: "v") }
    }

    @Test(arguments: [1, 5, 10, 20, 30, 60, 120, 3600])
    func acceptsCloudWatchPeriods(_ period: Int) throws {
        #expect(try MetricsInput.period(.object(["Period": .int(period)]), "Period", path: "Period") == period)
    }

    @Test(arguments: [0, -60, 2, 45, 90])
    func rejectsOtherPeriods(_ period: Int) {
        #expect(throws: AWSError.self) { try MetricsInput.period(.object(["Period": .int(period)]), "Period", path: "Period") }
    }

    @Test func originRoundsDownToTheMinuteOrTheHighResolutionPeriod() {
        let start = Fixture.at(95.7)  // 12:01:35.7
        #expect(MetricsService.origin(start, period: 60) == Fixture.at(60))
        #expect(MetricsService.origin(start, period: 300) == Fixture.at(60))
        #expect(MetricsService.origin(start, period: 10) == Fixture.at(90))
        #expect(MetricsService.origin(start, period: 1) == Fixture.at(95))
    }
}
