"""A full ``python -m collectors run`` against the local AWS: canonical metrics, idempotence, increments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_OK
from collectors.config import load_config
from collectors.runner import RunOptions, execute
from common.percentiles import percentile
from tests.collectors import aws_seed as seed

pytestmark = pytest.mark.slow

FN_A = "lambda:123456789012:us-east-1:fn-a"
FN_B = "lambda:123456789012:us-east-1:fn-b"
EP = "sagemaker-endpoint:123456789012:us-east-1:ep-inst"
SLS = "sagemaker-serverless:123456789012:us-east-1:ep-sls"
SM = {"EndpointName": "ep-inst", "VariantName": "AllTraffic"}
SMS = {"EndpointName": "ep-sls", "VariantName": "AllTraffic"}


def base_time() -> datetime:
    """Two days ago at midnight UTC: inside CloudWatch's 1-minute retention, whole 5-minute periods."""
    today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=2)


def seed_estate(url: str, base: datetime) -> dict[str, list[float]]:
    seed.create_function(url, "fn-a")
    seed.create_function(url, "fn-b", MemorySize=2048, Architectures=["arm64"], Timeout=120)
    seed.put_provisioned_concurrency(url, "fn-a", "live", 5)
    seed.create_endpoint(url, "ep-inst", instance_type="ml.m5.xlarge", count=2)
    seed.create_endpoint(
        url, "ep-sls", serverless={"MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": 2}
    )
    durations = [float(10 + (i * 7) % 50) for i in range(120)]
    put = seed.put_metric
    put(url, "AWS/Lambda", "Invocations", {"FunctionName": "fn-a"}, seed.minutes(base, 120, 3.0))
    put(url, "AWS/Lambda", "Errors", {"FunctionName": "fn-a"}, [(base + timedelta(minutes=5), 1.0)])
    put(url, "AWS/Lambda", "Duration", {"FunctionName": "fn-a"}, seed.minutes(base, 120, durations))
    concurrency = [7.0 if i == 30 else 2.0 for i in range(120)]
    put(url, "AWS/Lambda", "ConcurrentExecutions", {"FunctionName": "fn-a"}, seed.minutes(base, 120, concurrency))
    put(url, "AWS/SageMaker", "Invocations", SM, seed.minutes(base, 120, 2.0))
    put(url, "AWS/SageMaker", "Invocation5XXErrors", SM, [(base + timedelta(minutes=10), 1.0)])
    put(url, "AWS/SageMaker", "ModelLatency", SM, seed.minutes(base, 120, 20_000.0))
    put(url, "AWS/SageMaker", "OverheadLatency", SM, seed.minutes(base, 120, 1_500.0))
    put(url, "/aws/sagemaker/Endpoints", "CPUUtilization", SM, seed.minutes(base, 120, 200.0))
    put(url, "/aws/sagemaker/Endpoints", "MemoryUtilization", SM, seed.minutes(base, 120, 40.0))
    put(url, "AWS/SageMaker", "Invocations", SMS, seed.minutes(base, 30, 1.0))
    put(url, "AWS/SageMaker", "ModelSetupTime", SMS, [(base, 1_500_000.0), (base + timedelta(seconds=20), 2_500_000.0)])
    put(url, "AWS/SageMaker", "ServerlessConcurrentExecutionsUtilization", SMS, [(base + timedelta(minutes=1), 0.3)])
    return {"durations": durations}


def metrics(db, sql_filter: str = "TRUE") -> dict[tuple[str, str, datetime], float]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            f"SELECT resource_id, metric, period_start, value FROM metrics WHERE {sql_filter}"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def con_rows(db, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_full_run_fills_canonical_metrics_and_a_rerun_changes_nothing(aws_env, aws_config, tmp_path, capsys):
    base = base_time()
    seeded = seed_estate(aws_env.url, base)
    seed.put_metric(
        aws_env.url, "AWS/Lambda", "Invocations", {"FunctionName": "fn-b"}, [(base + timedelta(hours=1), 1.0)]
    )
    cfg = aws_config(period_seconds=300)
    window = ["--since", base.isoformat(), "--until", (base + timedelta(hours=2)).isoformat()]
    assert main(["run", "--config", str(cfg), *window, "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [s["status"] for s in report["scopes"]] == ["ok", "ok", "ok"]
    db = tmp_path / "breakeven.duckdb"
    got = metrics(db)
    p = [base + timedelta(minutes=5 * i) for i in range(24)]

    # Lambda: counts summed per 5 minutes, idle periods zero-filled, latency statistics per period.
    assert [got[(FN_A, "invocations", t)] for t in p] == [15.0] * 24
    # fn-b was created after the window (moto's LastModified is now) and first invoked at p[12]: before that
    # nothing proves it existed, so no zeros are written; after it, its idle periods are zeros.
    assert [got.get((FN_B, "invocations", t)) for t in p] == [None] * 12 + [1.0] + [0.0] * 11
    assert got[(FN_A, "errors", p[1])] == 1.0 and (FN_A, "errors", p[0]) not in got
    first = seeded["durations"][:5]
    assert got[(FN_A, "duration_ms_avg", p[0])] == pytest.approx(sum(first) / 5)
    assert got[(FN_A, "duration_ms_p50", p[0])] == pytest.approx(percentile(first, 0.50))
    assert got[(FN_A, "duration_ms_p99", p[0])] == pytest.approx(percentile(first, 0.99))
    assert got[(FN_A, "concurrency_max", p[6])] == 7.0 and got[(FN_A, "concurrency_max", p[5])] == 2.0

    # SageMaker: microseconds to ms, CPU per core-sum divided by 4 vCPUs, 5XX errors counted.
    assert got[(EP, "invocations", p[3])] == 10.0
    assert got[(EP, "errors", p[2])] == 1.0
    assert got[(EP, "duration_ms_avg", p[3])] == pytest.approx(20.0)
    assert got[(EP, "duration_ms_p90", p[3])] == pytest.approx(20.0)
    assert got[(EP, "overhead_latency_ms_avg", p[3])] == pytest.approx(1.5)
    assert got[(EP, "cpu_utilization_pct_avg", p[3])] == pytest.approx(50.0)
    assert got[(EP, "memory_utilization_pct_avg", p[3])] == pytest.approx(40.0)

    # Serverless: ModelSetupTime samples are cold starts; utilisation × MaxConcurrency is concurrency.
    assert got[(SLS, "cold_starts", p[0])] == 2.0 and got[(SLS, "cold_starts", p[1])] == 0.0
    assert got[(SLS, "init_duration_ms_avg", p[0])] == pytest.approx(2000.0)
    assert got[(SLS, "concurrency_max", p[0])] == pytest.approx(3.0)
    assert got[(SLS, "invocations", p[0])] == 5.0

    con = duckdb.connect(str(db), read_only=True)
    configs = {r[0]: r[1:] for r in con.execute(
        "SELECT resource_id, memory_mb, architecture, provisioned_concurrency, instance_type, vcpu, instance_count, "
        "max_concurrency, timeout_s, billing_mode FROM resource_config").fetchall()}  # fmt: skip
    run = con.execute("SELECT status, api_calls, estimated_api_cost_usd, rows_per_metric FROM runs").fetchall()[0]
    con.close()
    assert configs[FN_A] == (1024, "x86_64", 5, None, None, None, None, 30, "provisioned-concurrency")
    assert configs[FN_B] == (2048, "arm64", 0, None, None, None, None, 120, "on-demand")
    assert configs[EP][3:6] == ("ml.m5.xlarge", 4.0, 2)
    assert configs[SLS][0] == 2048 and configs[SLS][2] == 2 and configs[SLS][6] == 10
    assert run[0] == "ok"
    assert json.loads(run[1])["cloudwatch:GetMetricData"] == 1
    # 2 functions × 5 + endpoint 7 + serverless 8 billed metrics (Duration/ModelLatency's 4 stats bill as one).
    assert run[2] == pytest.approx(25 * 0.01 / 1000)
    assert json.loads(run[3])["invocations"] == 4 * 24 - 18 - 12  # serverless: its 6 active periods; fn-b: 12
    first_seen = dict(con_rows(db, "SELECT resource_id, first_seen FROM resources"))
    assert first_seen[FN_B] == p[12] and first_seen[FN_A] == p[0]

    # The same run again: nothing inserted or changed.
    assert main(["run", "--config", str(cfg), *window, "--json"]) == EXIT_OK
    again = json.loads(capsys.readouterr().out)
    assert again["write"]["inserted"] == 0 and again["write"]["updated"] == 0
    assert again["write"]["configs_written"] == 0
    assert metrics(db) == got


def test_incremental_runs_resume_from_the_watermark_minus_the_lag(aws_env, aws_config, tmp_path, capsys):
    seed.create_function(aws_env.url, "fn-a")
    cfg = aws_config(services=["lambda"], first_run_days=1, lag_minutes=45)
    config = load_config(cfg)
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    first = execute(RunOptions(config=config, db_path=tmp_path / "breakeven.duckdb", now=now))
    (win,) = next(iter(first.windows.values()))
    assert win.end - win.start >= timedelta(hours=23, minutes=55)
    later = now + timedelta(minutes=20)
    second = execute(RunOptions(config=config, db_path=tmp_path / "breakeven.duckdb", now=later))
    (win2,) = next(iter(second.windows.values()))
    assert win2.start == win.end - timedelta(minutes=45)
    assert win2.end > win.end
    con = duckdb.connect(str(tmp_path / "breakeven.duckdb"), read_only=True)
    marks = con.execute("SELECT source, account, region, service, collected_until FROM watermarks").fetchall()
    con.close()
    assert marks == [("test", "123456789012", "us-east-1", "lambda", win2.end)]


def test_dry_run_estimates_and_touches_nothing(aws_env, aws_config, tmp_path, capsys):
    base = base_time()
    seed_estate(aws_env.url, base)
    cfg = aws_config(period_seconds=300)
    window = ["--since", base.isoformat(), "--until", (base + timedelta(hours=2)).isoformat()]
    assert main(["run", "--config", str(cfg), "--dry-run", *window, "--json"]) == EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    assert plan["total_estimated_cost_usd"] == pytest.approx(25 * 0.01 / 1000)
    assert plan["total_api_calls"]["cloudwatch:GetMetricData"] == 3  # one per scope when planned apart
    whats = {i["scope"].rsplit("/", 1)[1]: i["what"] for i in plan["items"]}
    assert whats == {
        "lambda": "2 functions × 1 window(s)",
        "sagemaker-endpoint": "1 endpoints × 1 window(s)",
        "sagemaker-serverless": "1 endpoints × 1 window(s)",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws", "collectors.toml"]
    assert main(["run", "--config", str(cfg), "--dry-run", *window]) == EXIT_OK
    text = capsys.readouterr().out
    assert "DRY RUN" in text and "estimated API cost $0.0003" in text


def test_endpoint_deleted_between_runs_counts_until_the_run_that_found_it_gone(aws_env, aws_config, tmp_path):
    seed.create_endpoint(aws_env.url, "ep-inst", instance_type="ml.m5.xlarge", count=3)
    config = load_config(aws_config(services=["sagemaker-endpoint"], period_seconds=300))
    db = tmp_path / "breakeven.duckdb"
    t1 = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0) - timedelta(hours=3)
    execute(RunOptions(config=config, db_path=db, now=t1))
    seed.client(aws_env.url, "sagemaker").delete_endpoint(EndpointName="ep-inst")
    t2 = t1 + timedelta(hours=1, minutes=2)
    result = execute(RunOptions(config=config, db_path=db, now=t2))
    assert result.run.status == "ok"
    got = metrics(db, "metric = 'instances_avg'")
    assert {t: v for (_, _, t), v in got.items()} == {t1 + timedelta(minutes=5 * i): 3.0 for i in range(12)}
    con = duckdb.connect(str(db), read_only=True)
    statuses = [r[0] for r in con.execute("SELECT status FROM endpoint_snapshots ORDER BY observed_at").fetchall()]
    con.close()
    assert statuses == ["InService", "Absent"]
    assert "gone" in " ".join(result.outcomes[0].notes)
