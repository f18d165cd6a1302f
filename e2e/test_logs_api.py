"""CloudWatch Logs as the SageMaker SDK log tailers use it (sdk-call-trace.md §6): GetLogEvents tokens, startTime and
startFromHead; DescribeLogStreams prefix/order/limit with no nextToken on the last page (SDK v2 loops while one
appears); FilterLogEvents; ResourceNotFoundException for what does not exist.

Events are written with PutLogEvents so every timestamp is known. Every response is checked against botocore's
output shape by the `json_client` fixture.
"""

from __future__ import annotations

import time
import uuid

import pytest

from helpers import expect_client_error

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def logs(sagebox, json_client):
    return json_client("logs", sagebox.endpoint)


@pytest.fixture
def group(logs):
    name = f"/e2e/logs/{uuid.uuid4().hex[:10]}"
    logs.create_log_group(logGroupName=name)
    return name


def now_ms() -> int:
    return int(time.time() * 1000)


def put(logs, group, stream, events):
    """events: [(timestamp_ms, message)], in order."""
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in events])


def stream_with(logs, group, events, stream="s"):
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    put(logs, group, stream, events)
    return stream


def messages(page):
    return [e["message"] for e in page["events"]]


# --------------------------------------------------------------------------------------------------------------
# GetLogEvents
# --------------------------------------------------------------------------------------------------------------

def test_tokens_are_always_present_even_for_an_empty_stream(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="empty")
    for kwargs in ({}, {"startFromHead": True}, {"startFromHead": True, "startTime": 0}):
        page = logs.get_log_events(logGroupName=group, logStreamName="empty", **kwargs)
        assert page["events"] == []
        assert page["nextForwardToken"] and page["nextBackwardToken"], page
    # and a token from an empty stream finds the events written later (v3 keeps its token between polls)
    token = logs.get_log_events(logGroupName=group, logStreamName="empty", startFromHead=True)["nextForwardToken"]
    put(logs, group, "empty", [(now_ms(), "late")])
    page = logs.get_log_events(logGroupName=group, logStreamName="empty", startFromHead=True, nextToken=token)
    assert messages(page) == ["late"]


def test_forward_token_past_the_end_gives_empty_pages_and_the_same_token(logs, group):
    base = now_ms() - 60_000
    stream = stream_with(logs, group, [(base + i, f"e{i}") for i in range(5)])
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert messages(page) == ["e0", "e1", "e2", "e3", "e4"]
    assert all(set(e) >= {"timestamp", "message", "ingestionTime"} for e in page["events"])
    assert [e["timestamp"] for e in page["events"]] == [base + i for i in range(5)]
    token = page["nextForwardToken"]
    for _ in range(3):
        empty = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, nextToken=token)
        assert empty["events"] == []
        assert empty["nextForwardToken"] == token, "past the end the forward token stays the same"
    # new events show up behind the token that was handed out at the end
    put(logs, group, stream, [(base + 10, "e5"), (base + 11, "e6")])
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, nextToken=token)
    assert messages(page) == ["e5", "e6"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                               nextToken=page["nextForwardToken"])
    assert page["events"] == []


def test_limit_pages_forward_from_the_head(logs, group):
    base = now_ms() - 60_000
    stream = stream_with(logs, group, [(base + i, f"e{i}") for i in range(5)])
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=2, **kwargs)
        pages += 1
        assert len(page["events"]) <= 2
        if not page["events"]:
            break
        seen += messages(page)
        token = page["nextForwardToken"]
        assert pages < 10, "the forward token never reached the end"
    assert seen == ["e0", "e1", "e2", "e3", "e4"]


def test_without_start_from_head_the_latest_events_come_first(logs, group):
    base = now_ms() - 60_000
    stream = stream_with(logs, group, [(base + i, f"e{i}") for i in range(5)])
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=2)
    assert messages(page) == ["e3", "e4"], "startFromHead=false (the default) starts at the tail"
    earlier = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=2,
                                  nextToken=page["nextBackwardToken"])
    assert messages(earlier) == ["e1", "e2"]
    earliest = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=2,
                                   nextToken=earlier["nextBackwardToken"])
    assert messages(earliest) == ["e0"]
    forward = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=page["nextForwardToken"])
    assert forward["events"] == []


def test_start_time_is_inclusive_and_end_time_exclusive(logs, group):
    base = now_ms() - 60_000
    # two events share a millisecond, as the SDK v2 tailer's skip count expects
    stream = stream_with(logs, group, [(base, "a"), (base + 1000, "b1"), (base + 1000, "b2"), (base + 2000, "c")])
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=base + 1000, startFromHead=True)
    assert messages(page) == ["b1", "b2", "c"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=base + 1001, startFromHead=True)
    assert messages(page) == ["c"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=0, startFromHead=True)
    assert messages(page) == ["a", "b1", "b2", "c"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=base, endTime=base + 2000,
                               startFromHead=True)
    assert messages(page) == ["a", "b1", "b2"]
    # the SDK v2 loop: startTime=<last timestamp>, then follow nextForwardToken to an empty page
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=base + 2000, startFromHead=True)
    assert messages(page) == ["c"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startTime=base + 2000, startFromHead=True,
                               nextToken=page["nextForwardToken"])
    assert page["events"] == []


def test_missing_group_and_stream_are_resource_not_found(logs, group):
    missing = f"/e2e/logs/missing-{uuid.uuid4().hex[:8]}"
    for call, kwargs in ((logs.get_log_events, {"logStreamName": "s"}),
                         (logs.describe_log_streams, {}),
                         (logs.filter_log_events, {})):
        exc = expect_client_error(call, code="ResourceNotFoundException", status=400, logGroupName=missing, **kwargs)
        assert exc.response["Error"]["Message"] == "The specified log group does not exist."
    exc = expect_client_error(logs.get_log_events, code="ResourceNotFoundException", status=400,
                              logGroupName=group, logStreamName="nope")
    assert exc.response["Error"]["Message"] == "The specified log stream does not exist."
    # the SDK v2 training-job tailer starts with this call before the job has logged anything
    expect_client_error(logs.describe_log_streams, code="ResourceNotFoundException", logGroupName=missing,
                        logStreamNamePrefix="job/", orderBy="LogStreamName", limit=1)


def test_creating_twice_is_resource_already_exists(logs, group):
    expect_client_error(logs.create_log_group, code="ResourceAlreadyExistsException", logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    expect_client_error(logs.create_log_stream, code="ResourceAlreadyExistsException", logGroupName=group,
                        logStreamName="s")


# --------------------------------------------------------------------------------------------------------------
# DescribeLogStreams
# --------------------------------------------------------------------------------------------------------------

@pytest.fixture
def job_streams(logs, group):
    base = now_ms() - 60_000
    names = ["job-a/algo-2-100", "job-a/algo-1-100", "job-ab/algo-1-100", "job-b/algo-1-100", "job-a/algo-3-100",
             "job-a/algo-4-100"]
    for i, name in enumerate(names):
        stream_with(logs, group, [(base + 1000 * i, f"from {name}")], stream=name)
    return base, names


def stream_names(page):
    return [s["logStreamName"] for s in page["logStreams"]]


def test_describe_log_streams_prefix_order_and_last_page(logs, group, job_streams):
    page = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job-a/", orderBy="LogStreamName")
    assert stream_names(page) == ["job-a/algo-1-100", "job-a/algo-2-100", "job-a/algo-3-100", "job-a/algo-4-100"]
    assert "nextToken" not in page
    page = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job-a/", descending=True)
    assert stream_names(page) == ["job-a/algo-4-100", "job-a/algo-3-100", "job-a/algo-2-100", "job-a/algo-1-100"]

    # what SDK v2 sends for a one-instance job: limit=1, and it repeats the call while nextToken appears
    page = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job-b/", orderBy="LogStreamName",
                                     limit=1)
    assert stream_names(page) == ["job-b/algo-1-100"] and "nextToken" not in page

    # pages of two over four streams: the second page is the last and has no nextToken
    first = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job-a/", orderBy="LogStreamName",
                                      limit=2)
    assert stream_names(first) == ["job-a/algo-1-100", "job-a/algo-2-100"] and first.get("nextToken")
    second = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job-a/", orderBy="LogStreamName",
                                       limit=2, nextToken=first["nextToken"])
    assert stream_names(second) == ["job-a/algo-3-100", "job-a/algo-4-100"]
    assert "nextToken" not in second, "the last page must not carry nextToken (SDK v2 would loop forever)"

    everything = [s["logStreamName"] for p in logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 4}) for s in p["logStreams"]]
    assert everything == sorted(job_streams[1])


def test_describe_log_streams_fields_and_last_event_order(logs, group, job_streams):
    base, names = job_streams
    page = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
    assert stream_names(page) == list(reversed(names)), "latest event first"
    by_name = {s["logStreamName"]: s for s in page["logStreams"]}
    for i, name in enumerate(names):
        stream = by_name[name]
        assert stream["firstEventTimestamp"] == stream["lastEventTimestamp"] == base + 1000 * i
        assert stream["creationTime"] > 0 and stream["lastIngestionTime"] >= stream["creationTime"]
        assert stream["arn"].endswith(f":log-stream:{name}")
    exc = expect_client_error(logs.describe_log_streams, code="InvalidParameterException", logGroupName=group,
                              orderBy="LastEventTime", logStreamNamePrefix="job-a/")
    assert exc.response["Error"]["Message"]


# --------------------------------------------------------------------------------------------------------------
# FilterLogEvents
# --------------------------------------------------------------------------------------------------------------

def test_filter_log_events(logs, group):
    base = now_ms() - 60_000
    logs.create_log_stream(logGroupName=group, logStreamName="job/algo-1-1")
    logs.create_log_stream(logGroupName=group, logStreamName="job/algo-2-1")
    logs.create_log_stream(logGroupName=group, logStreamName="other/algo-1-1")
    put(logs, group, "job/algo-1-1", [(base + 0, "INFO start 1"), (base + 20, "ERROR boom 1")])
    put(logs, group, "job/algo-2-1", [(base + 30, "INFO start 2"), (base + 40, "ERROR boom 2")])
    put(logs, group, "other/algo-1-1", [(base + 50, "ERROR elsewhere")])

    page = logs.filter_log_events(logGroupName=group)
    assert messages(page) == ["INFO start 1", "ERROR boom 1", "INFO start 2", "ERROR boom 2", "ERROR elsewhere"]
    assert "nextToken" not in page
    events = page["events"]
    assert [e["logStreamName"] for e in events] == ["job/algo-1-1", "job/algo-1-1", "job/algo-2-1", "job/algo-2-1",
                                                     "other/algo-1-1"]
    assert len({e["eventId"] for e in events}) == 5
    assert [e["timestamp"] for e in events] == [base, base + 20, base + 30, base + 40, base + 50]

    assert messages(logs.filter_log_events(logGroupName=group, filterPattern="ERROR")) == \
        ["ERROR boom 1", "ERROR boom 2", "ERROR elsewhere"]
    assert messages(logs.filter_log_events(logGroupName=group, filterPattern="ERROR", logStreamNamePrefix="job/")) == \
        ["ERROR boom 1", "ERROR boom 2"]
    assert messages(logs.filter_log_events(logGroupName=group, logStreamNames=["job/algo-2-1"])) == \
        ["INFO start 2", "ERROR boom 2"]
    # unlike GetLogEvents, FilterLogEvents' endTime is inclusive ("events with a timestamp later than this time are
    # not returned")
    assert messages(logs.filter_log_events(logGroupName=group, startTime=base + 20, endTime=base + 40)) == \
        ["ERROR boom 1", "INFO start 2", "ERROR boom 2"]
    assert messages(logs.filter_log_events(logGroupName=group, startTime=base + 21, endTime=base + 39)) == \
        ["INFO start 2"]
    assert messages(logs.filter_log_events(logGroupName=group, filterPattern='"boom 2"')) == ["ERROR boom 2"]

    seen, token = [], None
    for _ in range(10):
        kwargs = {"nextToken": token} if token else {}
        page = logs.filter_log_events(logGroupName=group, limit=2, **kwargs)
        assert len(page["events"]) <= 2
        seen += messages(page)
        token = page.get("nextToken")
        if token is None:
            break
    assert token is None, "paging never ended"
    assert seen == ["INFO start 1", "ERROR boom 1", "INFO start 2", "ERROR boom 2", "ERROR elsewhere"]
