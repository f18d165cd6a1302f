"""CloudWatch (metrics): boto3's `cloudwatch` client (JSON 1.0, `GraniteServiceVersion20100801.*`) and the query
protocol older botocore speaks (a SigV4-signed form POST, credential scope `monitoring`).

Each test uses its own namespace or job name, so they share the session server without seeing each other's data.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from helpers import expect_client_error, raw_request

NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"
TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs"


@pytest.fixture(scope="module")
def cloudwatch(sagebox, json_client):
    """boto3's cloudwatch client; every JSON response is checked against botocore's model (see conftest)."""
    return json_client("cloudwatch", sagebox.endpoint)


@pytest.fixture
def job_name():
    return f"job-{uuid.uuid4().hex[:12]}"


def minute_ago(minutes: int) -> dt.datetime:
    """A whole minute in the recent past (UTC)."""
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    return now - dt.timedelta(minutes=minutes)


def put_job_metric(cloudwatch, job, name, points):
    cloudwatch.put_metric_data(Namespace=TRAINING_NAMESPACE, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": "TrainingJobName", "Value": job}], "Timestamp": ts, "Value": value}
        for ts, value in points
    ])


def query(sagebox, action: str, params: dict):
    """A query-protocol request as botocore < 1.44 sends it; returns (status, root element)."""
    body = urlencode({"Action": action, "Version": "2010-08-01", **params}).encode()
    resp = raw_request(sagebox.endpoint, "POST", "/", service="monitoring", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    return resp.status, ET.fromstring(resp.body)


# --------------------------------------------------------------------------------------------------------------
# JSON 1.0 through boto3
# --------------------------------------------------------------------------------------------------------------

def test_training_job_analytics_request(cloudwatch, job_name):
    """The exact GetMetricStatistics call of the SageMaker SDK's TrainingJobAnalytics."""
    start = minute_ago(10)
    put_job_metric(cloudwatch, job_name, "eval_accuracy", [
        (start + dt.timedelta(seconds=5), 0.5), (start + dt.timedelta(seconds=40), 0.7),
        (start + dt.timedelta(minutes=2, seconds=1), 0.9),
    ])
    training_start = start + dt.timedelta(seconds=3)  # TrainingStartTime is rarely on a minute
    training_end = start + dt.timedelta(minutes=3)
    resp = cloudwatch.get_metric_statistics(
        Namespace=TRAINING_NAMESPACE, MetricName="eval_accuracy",
        Dimensions=[{"Name": "TrainingJobName", "Value": job_name}],
        StartTime=training_start, EndTime=training_end + dt.timedelta(minutes=1), Period=60, Statistics=["Average"])
    assert resp["Label"] == "eval_accuracy"
    points = sorted(resp["Datapoints"], key=lambda p: p["Timestamp"])
    assert [p["Timestamp"] for p in points] == [start, start + dt.timedelta(minutes=2)]
    assert [p["Average"] for p in points] == pytest.approx([0.6, 0.9])
    assert all(set(p) == {"Timestamp", "Average", "Unit"} and p["Unit"] == "None" for p in points)


def test_every_statistic_and_unit(cloudwatch):
    namespace = f"Sagebox/{uuid.uuid4().hex[:8]}"
    ts = minute_ago(5)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "latency", "Timestamp": ts, "Value": 4, "Unit": "Milliseconds"},
        {"MetricName": "latency", "Timestamp": ts, "Values": [1, 10], "Counts": [2, 1], "Unit": "Milliseconds"},
        {"MetricName": "latency", "Timestamp": ts, "Unit": "Milliseconds",
         "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 2, "Maximum": 8}},
        {"MetricName": "latency", "Timestamp": ts, "Value": 1000, "Unit": "Seconds"},
    ])
    common = dict(Namespace=namespace, MetricName="latency", StartTime=ts, EndTime=ts + dt.timedelta(minutes=1),
                  Period=60, Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"])
    [point] = cloudwatch.get_metric_statistics(Unit="Milliseconds", **common)["Datapoints"]
    assert (point["SampleCount"], point["Sum"], point["Average"], point["Minimum"], point["Maximum"]) == (8, 36, 4.5, 1, 10)
    assert point["Unit"] == "Milliseconds"
    # Without a Unit, each unit's data is its own datapoint.
    units = sorted(p["Unit"] for p in cloudwatch.get_metric_statistics(**common)["Datapoints"])
    assert units == ["Milliseconds", "Seconds"]


def test_get_metric_data(cloudwatch, job_name):
    start = minute_ago(10)
    put_job_metric(cloudwatch, job_name, "loss", [(start + dt.timedelta(minutes=m, seconds=5), 10.0 - m) for m in range(4)])
    metric = {"Namespace": TRAINING_NAMESPACE, "MetricName": "loss",
              "Dimensions": [{"Name": "TrainingJobName", "Value": job_name}]}
    queries = [{"Id": "avg", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}},
               {"Id": "peak", "Label": "peak", "MetricStat": {"Metric": metric, "Period": 120, "Stat": "Maximum"}},
               {"Id": "hidden", "ReturnData": False, "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}}]
    window = dict(StartTime=start, EndTime=start + dt.timedelta(minutes=5))
    resp = cloudwatch.get_metric_data(MetricDataQueries=queries, **window)
    results = {r["Id"]: r for r in resp["MetricDataResults"]}
    assert set(results) == {"avg", "peak"}
    assert results["avg"]["Label"] == "loss" and results["avg"]["StatusCode"] == "Complete"
    assert results["avg"]["Timestamps"] == [start + dt.timedelta(minutes=m) for m in (3, 2, 1, 0)]
    assert results["avg"]["Values"] == [7, 8, 9, 10]
    assert results["peak"]["Values"] == [8, 10]
    ascending = cloudwatch.get_metric_data(MetricDataQueries=queries[:1], ScanBy="TimestampAscending", **window)
    assert ascending["MetricDataResults"][0]["Values"] == [10, 9, 8, 7]

    values = []
    for page in cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries[:1], ScanBy="TimestampAscending", MaxDatapoints=3, **window):
        values += [v for r in page["MetricDataResults"] for v in r["Values"]]
    assert values == [10, 9, 8, 7]


def test_list_metrics(cloudwatch, job_name):
    ts = minute_ago(1)
    for host in ("algo-1", "algo-2"):
        cloudwatch.put_metric_data(Namespace=TRAINING_NAMESPACE, MetricData=[
            {"MetricName": "CPUUtilization", "Timestamp": ts, "Value": 50, "Unit": "Percent",
             "Dimensions": [{"Name": "Host", "Value": f"{job_name}/{host}"}]}])
    put_job_metric(cloudwatch, job_name, "loss", [(ts, 1.0)])

    by_job = cloudwatch.list_metrics(Dimensions=[{"Name": "TrainingJobName", "Value": job_name}])["Metrics"]
    assert by_job == [{"Namespace": TRAINING_NAMESPACE, "MetricName": "loss",
                       "Dimensions": [{"Name": "TrainingJobName", "Value": job_name}]}]
    hosts = [m["Dimensions"][0]["Value"]
             for page in cloudwatch.get_paginator("list_metrics").paginate(
                 Namespace=TRAINING_NAMESPACE, MetricName="CPUUtilization", RecentlyActive="PT3H")
             for m in page["Metrics"]]
    assert {f"{job_name}/algo-1", f"{job_name}/algo-2"} <= set(hosts)


def test_errors_are_cloudwatch_errors(cloudwatch):
    window = dict(Namespace="Sagebox/errors", MetricName="m", StartTime=minute_ago(10), EndTime=minute_ago(0))
    exc = expect_client_error(cloudwatch.get_metric_statistics, Period=60, code="InvalidParameterCombination", status=400,
                              **window)
    assert isinstance(exc, cloudwatch.exceptions.InvalidParameterCombinationException)
    exc = expect_client_error(cloudwatch.get_metric_statistics, Period=45, Statistics=["Average"],
                              code="InvalidParameterValue", status=400, **window)
    assert isinstance(exc, cloudwatch.exceptions.InvalidParameterValueException)
    expect_client_error(cloudwatch.get_metric_statistics, Period=60, ExtendedStatistics=["p99"],
                        code="InvalidParameterValue", status=400, **window)
    expect_client_error(cloudwatch.put_metric_data, Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}],
                        code="InvalidParameterValue", status=400)
    expect_client_error(cloudwatch.put_metric_data, Namespace="Sagebox/errors",
                        MetricData=[{"MetricName": "m", "Value": 1, "StatisticValues": {
                            "SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}],
                        code="InvalidParameterCombination", status=400)


# --------------------------------------------------------------------------------------------------------------
# The query protocol (botocore < 1.44), as raw signed form posts
# --------------------------------------------------------------------------------------------------------------

def test_query_protocol_put_and_get(sagebox, job_name):
    start = minute_ago(10)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731 - botocore's query timestamp form
    status, root = query(sagebox, "PutMetricData", {
        "Namespace": TRAINING_NAMESPACE,
        "MetricData.member.1.MetricName": "eval_loss", "MetricData.member.1.Value": "0.25",
        "MetricData.member.1.Timestamp": iso(start + dt.timedelta(seconds=30)),
        "MetricData.member.1.Dimensions.member.1.Name": "TrainingJobName",
        "MetricData.member.1.Dimensions.member.1.Value": job_name,
    })
    assert status == 200 and root.tag == NS + "PutMetricDataResponse"
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId").text

    status, root = query(sagebox, "GetMetricStatistics", {
        "Namespace": TRAINING_NAMESPACE, "MetricName": "eval_loss",
        "Dimensions.member.1.Name": "TrainingJobName", "Dimensions.member.1.Value": job_name,
        "StartTime": iso(start), "EndTime": iso(start + dt.timedelta(minutes=2)), "Period": "60",
        "Statistics.member.1": "Average",
    })
    assert status == 200 and root.tag == NS + "GetMetricStatisticsResponse"
    result = root.find(NS + "GetMetricStatisticsResult")
    assert result.find(NS + "Label").text == "eval_loss"
    points = result.findall(f"{NS}Datapoints/{NS}member")
    assert [(p.find(NS + "Timestamp").text, float(p.find(NS + "Average").text)) for p in points] == [(iso(start), 0.25)]

    status, root = query(sagebox, "ListMetrics", {
        "Dimensions.member.1.Name": "TrainingJobName", "Dimensions.member.1.Value": job_name})
    assert status == 200
    assert [m.find(NS + "MetricName").text for m in root.iter(NS + "member") if m.find(NS + "MetricName") is not None] \
        == ["eval_loss"]


def test_query_protocol_errors(sagebox):
    status, root = query(sagebox, "GetMetricStatistics", {"Namespace": "Sagebox/errors", "MetricName": "m"})
    assert status == 400 and root.tag == NS + "ErrorResponse"
    assert root.find(f"{NS}Error/{NS}Code").text == "MissingParameter"
    assert root.find(NS + "RequestId").text
    status, root = query(sagebox, "DescribeAlarms", {})
    assert status == 400 and root.find(f"{NS}Error/{NS}Code").text == "InvalidAction"
