"""``python -m collectors run`` with a gcp source against the fakes: canonical metrics, units,
percentiles, configuration, idempotency, faults, dry run and credentials."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_OK
from tests.gcp.conftest import HOURS, gcp_config, window_args
from tests.gcp.estate import EXPECTED_PER_HOUR, hour_starts


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_run_fills_canonical_metrics_for_all_three_services(tmp_path, estate, base, pauses, capsys):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest)
    code = main(["run", "--config", str(cfg), *window_args(base), "--json"])
    out = capsys.readouterr()
    assert code == EXIT_OK, out
    db = tmp_path / "test.duckdb"
    hours = hour_starts(base, HOURS)
    for (service, project, region, name), expected in EXPECTED_PER_HOUR.items():
        rid = f"{service}:{project}:{region}:{name}"
        rows = query(
            db, "SELECT metric, period_start, period_s, value, source FROM metrics WHERE resource_id = ?", [rid]
        )
        got = {}
        for metric, start, period_s, value, origin in rows:
            assert period_s == 3600 and origin == "ml-prod:monitoring"
            got.setdefault(metric, {})[start] = value
        assert set(got) == set(expected), rid
        for metric, value in expected.items():
            assert sorted(got[metric]) == hours, (rid, metric)
            for start in hours:
                assert got[metric][start] == pytest.approx(value, rel=1e-9), (rid, metric, start)


def config_of(db: Path, rid: str) -> tuple[dict, set[str], str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM resource_config WHERE resource_id = ? ORDER BY valid_from DESC LIMIT 1", [rid])
        names = [d[0] for d in cur.description]
        row = cur.fetchall()[0]
    finally:
        con.close()
    record = dict(zip(names, row, strict=True))
    values = {
        k: v for k, v in record.items() if k not in ("resource_id", "valid_from", "assumed", "source") and v is not None
    }
    assumed = set(record["assumed"].split(",")) if record["assumed"] else set()
    return values, assumed, record["source"]


def test_run_records_configuration_with_assumed_values(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    assert main(["run", "--config", str(gcp_config(tmp_path, monitoring, rest)), *window_args(base)]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    values, assumed, source = config_of(db, "cloud-functions:acme-ml:us-central1:predict")
    assert values == {"memory_mb": 512} and not assumed and source == "ml-prod:inventory"
    values, assumed, _ = config_of(db, "cloud-run:acme-ml:europe-west1:ranker")
    assert values == {
        "vcpu": 2.0,
        "memory_mb": 1024,
        "min_instances": 1,
        "max_instances": 10,
        "max_concurrency": 80,
        "billing_mode": "instance-based",
        "status": "CONDITION_SUCCEEDED",
    }
    assert not assumed
    # A service with no traffic is still inventoried (from the Admin API), with Cloud Run's defaults assumed.
    values, assumed, _ = config_of(db, "cloud-run:acme-ml:europe-west1:idle-svc")
    assert values == {
        "vcpu": 1.0,
        "memory_mb": 512,
        "min_instances": 0,
        "max_instances": 100,
        "billing_mode": "request-based",
    }
    assert assumed == {"min_instances", "max_instances"}
    values, assumed, _ = config_of(db, "vertex-endpoint:acme-ml:us-central1:1234567890")
    assert values == {
        "instance_type": "n1-standard-4",
        "vcpu": 4.0,
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 1,
        "min_instances": 1,
        "max_instances": 3,
    }
    assert not assumed
    values, assumed, _ = config_of(db, "vertex-endpoint:acme-ml:us-central1:222")
    assert values == {"instance_type": "n1-standard-2", "vcpu": 2.0, "min_instances": 1, "max_instances": 2}
    assert assumed == {"instance_type", "vcpu"}
    # Values with no canonical metric stay in the run record, per resource.
    detail = json.loads(query(db, "SELECT detail FROM runs")[0][0])
    run_scope = next(s for s in detail["scopes"] if s["scope"] == "ml-prod/acme-ml/all/cloud-run")
    assert any("cpu_allocation_vcpu_s=32,400.0" in line for line in run_scope["collected"])
    assert not any("billable_instance" in line for line in run_scope["collected"])  # now a canonical metric


def test_requests_are_server_aligned_full_view_and_paged(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    assert main(["run", "--config", str(gcp_config(tmp_path, monitoring, rest)), *window_args(base)]) == EXIT_OK
    requests = monitoring.service.requests
    assert any(r.page_token for r in requests), "several pages were read"
    for r in requests:
        assert r.view == r.TimeSeriesView.FULL and r.page_size == 7
        period = r.aggregation.alignment_period.total_seconds()
        concurrency = "max_request_concurrencies" in r.filter
        assert period == (60 if concurrency else 3600)
        assert r.interval.end_time - r.interval.start_time == timedelta(hours=HOURS)
    latencies = next(r for r in requests if "request_latencies" in r.filter)
    assert latencies.aggregation.per_series_aligner.name == "ALIGN_DELTA"
    assert latencies.aggregation.cross_series_reducer.name == "REDUCE_SUM"
    assert list(latencies.aggregation.group_by_fields) == ["resource.labels.service_name", "resource.labels.location"]
    assert 'resource.labels.project_id = "acme-ml"' in latencies.filter
    gauges = next(r for r in requests if "container/instance_count" in r.filter)
    assert gauges.aggregation.per_series_aligner.name == "ALIGN_MEAN"
    db = tmp_path / "test.duckdb"
    calls = json.loads(query(db, "SELECT api_calls FROM runs")[0][0])
    assert calls["monitoring:ListTimeSeries"] == len(requests)
    assert calls["run:ListServices"] == 2 and calls["aiplatform:ListEndpoints"] == 2  # one item per page


def test_rerun_over_the_same_window_changes_nothing(tmp_path, estate, base, pauses, capsys):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest)
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    snapshot = query(db, "SELECT * FROM metrics ORDER BY ALL")
    configs = query(db, "SELECT count(*) FROM resource_config")
    capsys.readouterr()
    assert main(["run", "--config", str(cfg), *window_args(base), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["write"]["inserted"] == 0 and report["write"]["updated"] == 0
    assert report["write"]["unchanged"] == report["write"]["metric_rows"] > 0
    assert report["write"]["configs_written"] == 0
    assert query(db, "SELECT * FROM metrics ORDER BY ALL") == snapshot
    assert query(db, "SELECT count(*) FROM resource_config") == configs


def test_regions_list_filters_queries_and_scopes(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest, projects='["acme-ml"]', regions='["europe-west1"]')
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    assert query(db, "SELECT DISTINCT region FROM resources") == [("europe-west1",)]
    assert {r[0] for r in query(db, "SELECT DISTINCT split_part(resource_id, ':', 4) FROM metrics")} == {"ranker"}
    assert all('one_of("europe-west1")' in r.filter for r in monitoring.service.requests)
    marks = query(db, "SELECT account, region, service FROM watermarks ORDER BY ALL")
    assert marks == [("acme-ml", "europe-west1", s) for s in ("cloud-functions", "cloud-run", "vertex-endpoint")]


def test_next_run_resumes_from_the_watermark_minus_the_lag(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest, projects='["acme-ml"]')
    assert main(["run", "--config", str(cfg), *window_args(base, 2)]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    first_hours = {r[0] for r in query(db, "SELECT DISTINCT period_start FROM metrics")}
    assert first_hours == set(hour_starts(base, 2))
    sent = len(monitoring.service.requests)
    assert main(["run", "--config", str(cfg)]) == EXIT_OK  # no --since: from the watermark
    later = monitoring.service.requests[sent:]
    # watermark base+2h minus the 30-minute lag, floored to the hour: the last hour is read again.
    assert {r.interval.start_time for r in later} == {base + timedelta(hours=1)}
    assert {r[0] for r in query(db, "SELECT DISTINCT period_start FROM metrics")} == set(hour_starts(base, HOURS))
    rid = "cloud-functions:acme-ml:us-central1:predict"
    counts = query(db, "SELECT count(*) FROM metrics WHERE resource_id = ? AND metric = 'invocations'", [rid])
    assert counts == [(HOURS,)]  # the re-read hour was merged, not duplicated
