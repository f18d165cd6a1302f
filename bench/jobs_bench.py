"""Training-job start latency and overhead (issue targets: CreateTrainingJob → user process started < 100 ms
median for a small source dir over 50 jobs; the server adds < 0.5 s to a trivial job beyond the script's own run).

Starts a release `sagebox serve` on a free port with a fresh data dir, uploads a tiny sourcedir.tar.gz whose
train.py prints time.time() as its first statement, then runs N jobs one after another with boto3:
- start latency = the script's first timestamp - the moment CreateTrainingJob was sent (includes the Python
  interpreter's own start-up, reported separately as the floor);
- overhead = CreateTrainingJob sent → DescribeTrainingJob first reports Completed (polled every 10 ms), minus the
  script's own run time (first to last timestamp).
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

import boto3

SCRIPT = b"""import time
start = time.time()
print(f"sagebox-start {start:.6f}", flush=True)
print(f"sagebox-end {time.time():.6f}", flush=True)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--jobs", type=int, default=50)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="sagebox-jobs-bench-")
    server = subprocess.Popen([args.binary, "serve", "--port", "0", "--data-dir", data], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    endpoint = line.split("listening on ")[1].split()[0]
    try:
        session = boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1")
        s3 = session.client("s3", endpoint_url=endpoint)
        sm = session.client("sagemaker", endpoint_url=endpoint)
        logs = session.client("logs", endpoint_url=endpoint)
        s3.create_bucket(Bucket="bench")
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            info = tarfile.TarInfo("train.py")
            info.size = len(SCRIPT)
            tar.addfile(info, io.BytesIO(SCRIPT))
        s3.put_object(Bucket="bench", Key="code/sourcedir.tar.gz", Body=archive.getvalue())
        s3.put_object(Bucket="bench", Key="data/train.csv", Body=b"1,2\n")

        # The interpreter jobs run with: what python3 on PATH really is (Sagebox resolves version-manager shims too).
        python = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True).stdout.strip()
        floor = []
        for _ in range(10):
            sent = time.time()
            out = subprocess.run([python, "-c", "import time; print(time.time())"],
                                 capture_output=True, text=True).stdout
            floor.append((float(out) - sent) * 1000)

        latencies, overheads = [], []
        for index in range(args.jobs):
            name = f"bench-{index}-{int(time.time() * 1000)}"
            sent = time.time()
            sm.create_training_job(
                TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/Bench",
                AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310",
                                        "TrainingInputMode": "File"},
                HyperParameters={"sagemaker_program": '"train.py"', "sagemaker_submit_directory": '"s3://bench/code/sourcedir.tar.gz"'},
                InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bench/data"}}}],
                OutputDataConfig={"S3OutputPath": "s3://bench/out"},
                ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                StoppingCondition={"MaxRuntimeInSeconds": 60})
            while True:
                status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
                if status != "InProgress":
                    break
                time.sleep(0.01)
            done = time.time()
            assert status == "Completed", status
            stream = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name + "/")["logStreams"][0]
            events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream["logStreamName"], startFromHead=True)["events"]
            stamps = {e["message"].split()[0]: float(e["message"].split()[1]) for e in events if e["message"].startswith("sagebox-")}
            latencies.append((stamps["sagebox-start"] - sent) * 1000)
            overheads.append((done - sent) - (stamps["sagebox-end"] - stamps["sagebox-start"]))

        def summary(values, unit):
            values = sorted(values)
            return f"median {statistics.median(values):.1f} {unit}, p90 {values[int(len(values) * 0.9) - 1]:.1f} {unit}, min {values[0]:.1f} {unit}"

        print(f"| measurement ({args.jobs} jobs, sequential) | result | target |")
        print("|---|---|---|")
        print(f"| CreateTrainingJob sent → user script's first statement | {summary(latencies, 'ms')} | < 100 ms median |")
        print(f"| of which: python3 interpreter start-up alone (floor) | {summary(floor, 'ms')} | — |")
        print(f"| server time added to a trivial job (sent → Completed seen, minus the script's run) | {summary([o * 1000 for o in overheads], 'ms')} | < 500 ms |")
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    main()
