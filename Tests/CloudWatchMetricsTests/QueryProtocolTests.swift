import AWSWire
import Foundation
import Testing

@testable import CloudWatchMetrics

/// The query protocol older botocore speaks: form parameters in, XML out.
@Suite struct QueryProtocolTests {
    static let job = ["Dimensions.member.1.Name": "TrainingJobName", "Dimensions.member.1.Value": "job-1"]

    @Test func putThenGetMetricStatistics() async throws {
        let f = try Fixture()
        let put = try await f.query(
            "PutMetricData",
            [
                "Namespace": "/aws/sagemaker/TrainingJobs",
                "MetricData.member.1.MetricName": "eval_accuracy", "MetricData.member.1.Value": "0.5",
                "MetricData.member.1.Timestamp": "2024-05-01T12:00:10Z",
                "MetricData.member.1.Dimensions.member.1.Name": "TrainingJobName", "MetricData.member.1.Dimensions.member.1.Value": "job-1",
                "MetricData.member.2.MetricName": "eval_accuracy", "MetricData.member.2.Value": "0.75",
                "MetricData.member.2.Timestamp": "2024-05-01T12:01:10.500Z",
                "MetricData.member.2.Dimensions.member.1.Name": "TrainingJobName", "MetricData.member.2.Dimensions.member.1.Value": "job-1",
            ])
        #expect(put.name == "PutMetricDataResponse")
        #expect(put.children.map(\.name) == ["ResponseMetadata"])
        #expect(put.child("ResponseMetadata")?["RequestId"] == "req-1")

        let get = try await f.query(
            "GetMetricStatistics",
            Self.job.merging([
                "Namespace": "/aws/sagemaker/TrainingJobs", "MetricName": "eval_accuracy", "StartTime": "2024-05-01T12:00:05Z",
                "EndTime": "2024-05-01T12:03:00Z", "Period": "60", "Statistics.member.1": "Average", "Statistics.member.2": "Maximum",
            ]) { $1 })
        #expect(get.name == "GetMetricStatisticsResponse")
        let result = try #require(get.child("GetMetricStatisticsResult"))
        #expect(result["Label"] == "eval_accuracy")
        let members = result.child("Datapoints")?.children("member") ?? []
        #expect(members.map { $0["Timestamp"] } == ["2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z"])
        #expect(members.map { $0["Average"] } == ["0.5", "0.75"])
        #expect(members.map { $0["Maximum"] } == ["0.5", "0.75"])
        #expect(members.map { $0["Unit"] } == ["None", "None"])
        #expect(members.first?.children.map(\.name) == ["Timestamp", "Average", "Maximum", "Unit"])
        #expect(get.child("ResponseMetadata")?["RequestId"] == "req-1")
    }

    @Test func documentCarriesTheCloudWatchNamespace() async throws {
        let f = try Fixture()
        let text = try await f.service.respond(
            action: "ListMetrics", parameters: ["Action": "ListMetrics", "Version": "2010-08-01"], accessKeyId: nil, requestID: "r")
        #expect(text.hasPrefix("<?xml"))
        #expect(text.contains(#"<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">"#))
        #expect(text.contains("<ListMetricsResult><Metrics></Metrics></ListMetricsResult>"))
    }

    @Test func valuesCountsAndStatisticSets() async throws {
        let f = try Fixture()
        _ = try await f.query(
            "PutMetricData",
            [
                "Namespace": "Custom",
                "MetricData.member.1.MetricName": "m", "MetricData.member.1.Timestamp": "1714564801", "MetricData.member.1.Unit": "Count",
                "MetricData.member.1.Values.member.1": "1", "MetricData.member.1.Values.member.2": "3",
                "MetricData.member.1.Counts.member.1": "2", "MetricData.member.1.Counts.member.2": "1",
                "MetricData.member.2.MetricName": "m", "MetricData.member.2.Timestamp": "2024-05-01T12:00:02Z", "MetricData.member.2.Unit": "Count",
                "MetricData.member.2.StatisticValues.SampleCount": "2", "MetricData.member.2.StatisticValues.Sum": "10",
                "MetricData.member.2.StatisticValues.Minimum": "4", "MetricData.member.2.StatisticValues.Maximum": "6",
            ])
        let get = try await f.query(
            "GetMetricStatistics",
            [
                "Namespace": "Custom", "MetricName": "m", "StartTime": "2024-05-01T12:00:00Z", "EndTime": "2024-05-01T12:01:00Z",
                "Period": "60", "Unit": "Count",
                "Statistics.member.1": "SampleCount", "Statistics.member.2": "Sum", "Statistics.member.3": "Minimum",
            ])
        let point = try #require(get.child("GetMetricStatisticsResult")?.child("Datapoints")?.child("member"))
        #expect(point["SampleCount"] == "5.0")
        #expect(point["Sum"] == "15.0")
        #expect(point["Minimum"] == "1.0")
        #expect(point["Unit"] == "Count")
    }

    @Test func getMetricData() async throws {
        let f = try Fixture()
        try await f.put("loss", 2, at: 5)
        try await f.put("loss", 4, at: 65)
        let prefix = "MetricDataQueries.member.1."
        let doc = try await f.query(
            "GetMetricData",
            [
                prefix + "Id": "m1", prefix + "MetricStat.Metric.Namespace": "/aws/sagemaker/TrainingJobs",
                prefix + "MetricStat.Metric.MetricName": "loss",
                prefix + "MetricStat.Metric.Dimensions.member.1.Name": "TrainingJobName",
                prefix + "MetricStat.Metric.Dimensions.member.1.Value": "job-1",
                prefix + "MetricStat.Period": "60", prefix + "MetricStat.Stat": "Sum", prefix + "ReturnData": "true",
                "StartTime": "2024-05-01T12:00:00Z", "EndTime": "2024-05-01T12:10:00Z",
            ])
        let result = try #require(doc.child("GetMetricDataResult"))
        let member = try #require(result.child("MetricDataResults")?.child("member"))
        #expect(member["Id"] == "m1")
        #expect(member["Label"] == "loss")
        #expect(member.child("Timestamps")?.children("member").map(\.text) == ["2024-05-01T12:01:00Z", "2024-05-01T12:00:00Z"])
        #expect(member.child("Values")?.children("member").map(\.text) == ["4.0", "2.0"])
        #expect(member["StatusCode"] == "Complete")
        #expect(result.child("NextToken") == nil)
        #expect(result.child("Messages") != nil)
    }

    @Test func listMetrics() async throws {
        let f = try Fixture()
        try await f.put("loss", 1, at: 0)
        try await f.put("loss", job: "job-2", 1, at: 0)
        let doc = try await f.query("ListMetrics", Self.job.merging(["Namespace": "/aws/sagemaker/TrainingJobs"]) { $1 })
        let metrics = doc.child("ListMetricsResult")?.child("Metrics")?.children("member") ?? []
        #expect(metrics.count == 1)
        #expect(metrics.first?["Namespace"] == "/aws/sagemaker/TrainingJobs")
        #expect(metrics.first?["MetricName"] == "loss")
        let dimension = metrics.first?.child("Dimensions")?.child("member")
        #expect(dimension?["Name"] == "TrainingJobName" && dimension?["Value"] == "job-1")
    }

    @Test func emptyListsAreAccepted() async throws {
        let f = try Fixture()
        try await f.store.put(namespace: "Custom", name: "m", dimensions: [:], value: 1, timestamp: Fixture.base, unit: nil)
        // botocore writes an empty list as `Dimensions=`.
        let doc = try await f.query(
            "GetMetricStatistics",
            [
                "Namespace": "Custom", "MetricName": "m", "Dimensions": "", "StartTime": "2024-05-01T12:00:00Z",
                "EndTime": "2024-05-01T12:01:00Z", "Period": "60", "Statistics.member.1": "Sum",
            ])
        #expect(doc.child("GetMetricStatisticsResult")?.child("Datapoints")?.children("member").count == 1)
    }

    @Test func errorsAndUnknownActions() async throws {
        let f = try Fixture()
        let missing = await f.queryError("PutMetricData", ["MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "1"])
        #expect(missing?.code == "MissingParameter")
        #expect(missing?.message == "The parameter Namespace is required.")
        let bad = await f.queryError("PutMetricData", ["Namespace": "N", "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "one"])
        #expect(bad?.code == "InvalidParameterValue")
        #expect(bad?.message.contains("MetricData.member.1.Value") == true)
        let unknown = await f.queryError("DescribeAlarms", [:])
        #expect(unknown?.code == "InvalidAction")
        let error = try #require(unknown)
        let document = QueryProtocol.errorDocument(error, namespace: MetricsService.namespace, requestID: "r")
        #expect(XMLElementNode.parse(Data(document.utf8))?.child("Error")?["Code"] == "InvalidAction")
    }
}
