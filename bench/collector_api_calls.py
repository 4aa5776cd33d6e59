"""API calls and estimated API cost of one daily collector run, next to the naive approach.

A synthetic account — 2,000 Lambda functions, 40 SageMaker real-time endpoints and 10 serverless ones —
is created in a local fake (moto's server on loopback, with the test suite's provisioned-concurrency
layer). One real ``collectors`` run over the last day (5-minute periods, the default) is made against
it, and its API calls per operation and estimated cost are printed next to:

- the naive approach: one GetMetricStatistics call per resource, metric and statistic (percentiles as
  ExtendedStatistics), $0.01 per 1,000 requests, or free inside the account's 1M free requests/month;
- the floor for GetMetricData: max(ceil(statistics / 500), ceil(datapoints / 100,800)) calls.

Run: ``python bench/collector_api_calls.py`` (takes a few minutes, mostly moto creating 2,000 functions).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common.timeutil import utc_now

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collectors.aws.constants import GET_METRIC_STATISTICS_USD_PER_REQUEST
from collectors.aws.metrics import ENDPOINT_STATS, LAMBDA_STATS, SERVERLESS_STATS
from collectors.config import load_config
from collectors.runner import RunOptions, execute
from tests.collectors import aws_seed as seed
from tests.collectors.aws_fake import FakeAwsServer, install_percentiles


def build_estate(url: str, functions: int, endpoints: int, serverless: int) -> None:
    seed.create_function(url, "fn-0000")  # creates the IAM role once
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: seed.create_function(url, f"fn-{i:04d}"), range(1, functions)))
    for i in range(endpoints):
        seed.create_endpoint(url, f"ep-{i:03d}", instance_type="ml.m5.xlarge", count=2)
    for i in range(serverless):
        seed.create_endpoint(url, f"sls-{i:03d}", serverless={"MemorySizeInMB": 2048, "MaxConcurrency": 10})


def naive_calls(functions: int, endpoints: int, serverless: int, periods: int) -> int:
    """One GetMetricStatistics call per resource × metric × statistic (1,440 datapoints per call at most)."""
    per_call = math.ceil(periods / 1440)
    variants = 1
    return per_call * (
        functions * len(LAMBDA_STATS)
        + endpoints * variants * len(ENDPOINT_STATS)
        + serverless * variants * len(SERVERLESS_STATS)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=40)
    parser.add_argument("--serverless", type=int, default=10)
    args = parser.parse_args()
    install_percentiles()
    server = FakeAwsServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    started = time.monotonic()
    build_estate(url, args.functions, args.endpoints, args.serverless)
    print(
        f"estate: {args.functions:,} functions, {args.endpoints} endpoints, {args.serverless} serverless "
        f"endpoints (built in {time.monotonic() - started:.0f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "collectors.toml"
        cfg.write_text(
            f'db = "bench.duckdb"\n[[sources]]\nkind = "aws"\nname = "bench"\nregions = ["us-east-1"]\n'
            f'endpoint_url = "{url}"\nfirst_run_days = 1\n'
        )
        now = utc_now()
        options = RunOptions(config=load_config(cfg), db_path=Path(tmp) / "bench.duckdb", now=now)
        run_started = time.monotonic()
        result = execute(options)
        elapsed = time.monotonic() - run_started
    server.stop()
    run = result.run
    window = next(iter(result.windows.values()))[0]
    periods = window.periods
    statistics = (
        args.functions * len(LAMBDA_STATS)
        + args.endpoints * len(ENDPOINT_STATS)
        + args.serverless * len(SERVERLESS_STATS)
    )
    floor = max(math.ceil(statistics / 500), math.ceil(statistics * periods / 100_800))
    naive = naive_calls(args.functions, args.endpoints, args.serverless, periods)
    gmd = run.api_calls.get("cloudwatch:GetMetricData", 0)
    print(f"one daily run ({window.start:%Y-%m-%d %H:%M} → {window.end:%H:%M}, {window.period_s} s periods), "
          f"status {run.status}, {elapsed:.1f} s, {run.rows_written:,} rows")  # fmt: skip
    print("API calls of the run:")
    for op, n in sorted(run.api_calls.items()):
        print(f"  {op:<45} {n:>7,}")
    print(f"statistics requested per day: {statistics:,} ({statistics * periods:,} datapoints)")
    print(f"GetMetricData calls: {gmd:,} (floor {floor:,}); estimated cost ${run.estimated_api_cost_usd:.4f} per run")
    naive_cost = naive * GET_METRIC_STATISTICS_USD_PER_REQUEST
    print(
        f"naive GetMetricStatistics: {naive:,} calls; ${naive_cost:.4f} per run at $0.01/1,000 requests "
        f"({naive * 30:,} requests a month: free only while the account stays under 1M requests/month)"
    )
    print(f"calls: {naive / max(gmd, 1):.0f}× fewer than naive; within {gmd / max(floor, 1):.2f}× of the floor")
    return 0 if gmd <= floor * 1.05 + 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
