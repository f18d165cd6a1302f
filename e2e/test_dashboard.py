"""The web dashboard at /_sagebox/ui/ in a real browser (headless Chromium from Debian's `chromium` package): the
jobs list, a finished job's page with its metric charts, timeline, hyperparameters and log, the bucket browser with
a download, and the live log tail of a running job. Screenshots go to e2e/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
import time
import urllib.request
import uuid
from html.parser import HTMLParser

import pytest

from browser import Browser, chromium, dump_dom, screenshot
from conftest import E2E_DIR
from quick_jobs import start_job
from training_helpers import LOG_GROUP, wait_secondary, wait_terminal

pytestmark = pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (scripts/setup.sh installs it)")

ARTIFACTS = E2E_DIR / "artifacts"
EPOCHS = 5
METRICS_SCRIPT = f"""import os, time
for epoch in range({EPOCHS}):
    print(f"epoch={{epoch}} loss={{1.0 / (epoch + 1):.4f}} accuracy={{0.5 + epoch * 0.1:.2f}}", flush=True)
    time.sleep(1.1)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w") as weights:
    weights.write("w")
"""
METRICS = [{"Name": "train:loss", "Regex": r"loss=([0-9.]+)"}, {"Name": "train:accuracy", "Regex": r"accuracy=([0-9.]+)"}]


class Elements(HTMLParser):
    """Every element of a dumped DOM as (tag, attributes, text inside it)."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[list] = []
        self.open: list[list] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.found.append(element)
        if tag not in ("br", "img", "meta", "link", "input", "circle", "line", "polyline"):
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        for element in self.open:
            element[2] += data

    def by_id(self, identifier: str):
        return next((e for e in self.found if e[1].get("id") == identifier), None)

    def all(self, tag: str, **attrs):
        return [e for e in self.found if e[0] == tag and all(e[1].get(k.replace("_", "-")) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def finished_job(training_sm, training_s3, training_bucket, tmp_path_factory) -> str:
    name = start_job(training_sm, training_s3, training_bucket, METRICS_SCRIPT, tmp_path_factory.mktemp("dash"),
                     hint="dash", metric_definitions=METRICS, hyperparameters={"epochs": str(EPOCHS), "lr": "0.01"},
                     train_data=b"x,y\n1,2\n")
    description = wait_terminal(training_sm, name, timeout=90)
    assert description["TrainingJobStatus"] == "Completed", description.get("FailureReason")
    return name


def test_jobs_list(training_server, finished_job):
    url = training_server.endpoint + "/_sagebox/ui/"
    page = Elements(dump_dom(url))
    table = page.by_id("jobs")
    assert table is not None
    headers = [h[2] for h in page.all("th")]
    assert headers[:7] == ["Name", "Kind", "Status", "Secondary status", "Created", "Duration", "Billable time"]
    link = next(a for a in page.all("a") if a[2] == finished_job)
    assert link[1]["href"] == f"/_sagebox/ui/jobs/{finished_job}"
    row = next(r for r in page.all("tr") if finished_job in r[2])
    assert "Training" in row[2] and "Completed" in row[2] and re.search(r"\d+s", row[2])
    screenshot(url, ARTIFACTS / "dashboard-jobs.png")


def test_finished_job_page_has_charts_timeline_hyperparameters_and_log(training_server, finished_job):
    url = f"{training_server.endpoint}/_sagebox/ui/jobs/{finished_job}"
    page = Elements(dump_dom(url))
    charts = {f[1]["data-metric"]: f for f in page.all("figure") if "data-metric" in f[1]}
    assert set(charts) == {"train:loss", "train:accuracy"}
    loss_svg = [e for e in page.found if e[0] == "svg" and e[1].get("aria-label") == "train:loss over time"]
    assert loss_svg, "the loss chart is an SVG drawn by the server"
    points = [c for c in page.all("circle") if c[1].get("class") == "point"]
    assert len(points) == 2 * EPOCHS, "one point per printed value, per metric (one line a second)"
    assert "last 0.2" in charts["train:loss"][2]

    timeline = page.by_id("timeline")[2]
    for status in ("Starting", "Downloading", "Training", "Uploading", "Completed"):
        assert status in timeline
    hyperparameters = page.by_id("hyperparameters")[2]
    assert "epochs" in hyperparameters and "0.01" in hyperparameters
    log = page.by_id("log")
    assert log[1]["data-live"] == "false"
    assert f"epoch={EPOCHS - 1} loss=0.2000" in log[2]
    links = {a[1]["href"] for a in page.all("a")}
    assert any(href.startswith("/_sagebox/ui/buckets/") and "prefix=quick/" in href for href in links)
    screenshot(url, ARTIFACTS / "dashboard-job.png", height=2400)


def test_bucket_browser_lists_the_model_and_downloads_it(training_server, training_sm, training_s3, finished_job):
    model = training_sm.describe_training_job(TrainingJobName=finished_job)["ModelArtifacts"]["S3ModelArtifacts"]
    bucket, key = model.removeprefix("s3://").split("/", 1)
    folder = key.rsplit("/", 1)[0] + "/"
    url = f"{training_server.endpoint}/_sagebox/ui/buckets/{bucket}?prefix={folder}"
    page = Elements(dump_dom(url))
    link = next(a for a in page.all("a") if a[2] == "model.tar.gz")
    with urllib.request.urlopen(training_server.endpoint + link[1]["href"].replace("&amp;", "&")) as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.read() == training_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    screenshot(url, ARTIFACTS / "dashboard-bucket.png")


def test_live_tail_shows_a_running_jobs_line_within_two_seconds(training_server, training_sm, training_logs,
                                                               training_s3, training_bucket, tmp_path):
    marker = f"LIVE-{uuid.uuid4().hex[:8]}"
    script = f"import time\nprint('started', flush=True)\ntime.sleep(3)\nprint('{marker}', flush=True)\ntime.sleep(4)\n"
    name = start_job(training_sm, training_s3, training_bucket, script, tmp_path, hint="live")
    wait_secondary(training_sm, name, "Training", timeout=60)
    browser = Browser()
    try:
        browser.open(f"{training_server.endpoint}/_sagebox/ui/jobs/{name}")
        assert browser.evaluate("document.getElementById('log').dataset.live") == "true"
        assert marker not in browser.evaluate("document.getElementById('log').textContent")
        deadline = time.monotonic() + 30
        while marker not in (browser.evaluate("document.getElementById('log').textContent") or ""):
            assert time.monotonic() < deadline, "the marker line never appeared in the page"
            time.sleep(0.05)
        shown_at = time.time()
        browser.screenshot(ARTIFACTS / "dashboard-live-tail.png")
    finally:
        browser.close()
    # When the line was printed, by the server's clock (the same machine's).
    events = [e for s in training_logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=name + "/")["logStreams"]
              for e in training_logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=s["logStreamName"],
                                                    startFromHead=True)["events"]]
    printed_at = next(e["timestamp"] for e in events if e["message"] == marker) / 1000
    assert shown_at - printed_at < 2.0, f"the line took {shown_at - printed_at:.2f}s to reach the page"
    wait_terminal(training_sm, name, timeout=60)
