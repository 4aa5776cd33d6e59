"""The gcp source under faults: quota retries, a project that is denied or unreachable, a dead endpoint,
a configuration API that refuses; the rest is still written and the run says what was not collected."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import duckdb
import grpc
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL
from tests.gcp.conftest import gcp_config, window_args
from tests.gcp.estate import EXPECTED_PER_HOUR, P1, P2


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def accounts_with_metrics(db: Path) -> set[str]:
    return {r[0] for r in query(db, "SELECT DISTINCT split_part(resource_id, ':', 2) FROM metrics")}


def requests_for(monitoring, project: str) -> int:
    return sum(1 for r in monitoring.service.requests if r.name == f"projects/{project}")


def test_quota_errors_back_off_honour_retry_info_and_succeed(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    monitoring.service.fail(
        P1, grpc.StatusCode.RESOURCE_EXHAUSTED, times=2, retry_delay_s=2.5, message="Quota exceeded"
    )
    cfg = gcp_config(tmp_path, monitoring, rest)
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_OK
    assert len(pauses) == 2 and all(2.5 <= p <= 30 for p in pauses)
    db = tmp_path / "test.duckdb"
    key = ("cloud-functions", P1, "us-central1", "predict")
    rid = ":".join(key)
    values = {
        r[0] for r in query(db, "SELECT value FROM metrics WHERE resource_id = ? AND metric = 'invocations'", [rid])
    }
    assert values == {EXPECTED_PER_HOUR[key]["invocations"]}
    calls = json.loads(query(db, "SELECT api_calls FROM runs")[0][0])
    assert calls["monitoring:ListTimeSeries"] == len(monitoring.service.requests)  # retries are calls too


def test_permission_denied_on_one_project_is_isolated(tmp_path, estate, base, pauses, capsys):
    monitoring, rest = estate
    monitoring.service.fail(
        P2, grpc.StatusCode.PERMISSION_DENIED, message="Permission monitoring.timeSeries.list denied"
    )
    cfg = gcp_config(tmp_path, monitoring, rest, max_workers="1")
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    err = capsys.readouterr().err
    assert "acme-ml-2" in err and "PERMISSION_DENIED" in err
    db = tmp_path / "test.duckdb"
    assert accounts_with_metrics(db) == {P1}
    status, errors, detail = query(db, "SELECT status, errors, detail FROM runs")[0]
    assert status == "partial"
    assert all(e.startswith("ml-prod/acme-ml-2/") for e in json.loads(errors))
    scopes = {s["scope"]: s for s in json.loads(detail)["scopes"]}
    denied = scopes["ml-prod/acme-ml-2/all/cloud-run"]
    assert denied["status"] == "failed" and "request_count (project failed)" in denied["missing"]
    assert denied["errors"] == [
        "not asked: project acme-ml-2 failed with PERMISSION_DENIED: " + "Permission monitoring.timeSeries.list denied"
    ]
    assert scopes["ml-prod/acme-ml/all/cloud-run"]["status"] == "ok"
    # The breaker stops the project after its first refusal instead of asking every metric of every service.
    assert requests_for(monitoring, P2) == 1
    assert {r[0] for r in query(db, "SELECT DISTINCT account FROM watermarks")} == {P1}


def test_unavailable_project_is_retried_a_bounded_number_of_times(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    monitoring.service.fail(P2, grpc.StatusCode.UNAVAILABLE, message="backend unavailable")
    cfg = gcp_config(tmp_path, monitoring, rest, max_workers="1")
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    assert requests_for(monitoring, P2) == 3  # FetchPolicy.transient_attempts, then the project is given up
    assert len(pauses) == 2
    assert accounts_with_metrics(tmp_path / "test.duckdb") == {P1}


def test_quota_that_never_recovers_fails_the_project_only(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    monitoring.service.fail(P2, grpc.StatusCode.RESOURCE_EXHAUSTED, message="Quota exceeded")
    cfg = gcp_config(tmp_path, monitoring, rest, max_workers="1")
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    assert requests_for(monitoring, P2) == 6 and len(pauses) == 5
    errors = json.loads(query(tmp_path / "test.duckdb", "SELECT errors FROM runs")[0][0])
    assert any("RESOURCE_EXHAUSTED" in e and "acme-ml-2" in e for e in errors)


def test_dead_endpoint_fails_fast_and_writes_no_metrics(tmp_path, rest, base, pauses):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"  # closed once the block ends: connection refused

    class Dead:
        address = dead

    cfg = gcp_config(tmp_path, Dead, rest, projects='["acme-ml"]')
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_FAILED
    db = tmp_path / "test.duckdb"
    assert query(db, "SELECT count(*) FROM metrics") == [(0,)]
    status, errors = query(db, "SELECT status, errors FROM runs")[0]
    assert status == "failed" and any("UNAVAILABLE" in e for e in json.loads(errors))
    assert len(pauses) <= 2 * 3  # bounded: at most one project's transient retries per parallel first query
    assert not rest.fake.requests  # the project failed as a whole: no configuration calls either


def test_configuration_api_refusal_keeps_metrics_and_marks_partial(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    rest.fake.failures[P1] = 403
    cfg = gcp_config(tmp_path, monitoring, rest, projects='["acme-ml"]')
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    db = tmp_path / "test.duckdb"
    assert (
        query(db, "SELECT count(*) FROM metrics WHERE resource_id = 'cloud-run:acme-ml:europe-west1:ranker'")[0][0] > 0
    )
    assert query(db, "SELECT count(*) FROM resource_config WHERE resource_id LIKE 'cloud-run:%'") == [(0,)]
    detail = json.loads(query(db, "SELECT detail FROM runs")[0][0])
    scopes = {s["scope"]: s for s in detail["scopes"]}
    run_scope = scopes["ml-prod/acme-ml/all/cloud-run"]
    assert run_scope["status"] == "partial"
    assert run_scope["missing"] == ["configuration in europe-west1"]
    assert any("HTTP 403 PERMISSION_DENIED" in e for e in run_scope["errors"])
    assert scopes["ml-prod/acme-ml/all/cloud-functions"]["status"] == "ok"
    # A partial scope keeps its watermark back, so the next run reads it again.
    marks = {r[0] for r in query(db, "SELECT service FROM watermarks")}
    assert marks == {"cloud-functions"}


@pytest.mark.parametrize("code", [grpc.StatusCode.INVALID_ARGUMENT])
def test_a_single_metric_refused_leaves_the_others(tmp_path, estate, base, pauses, code):
    monitoring, rest = estate
    monitoring.service.fail(P1, code, metric_prefix="container/startup_latencies", message="bad filter")
    cfg = gcp_config(tmp_path, monitoring, rest, projects='["acme-ml"]')
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    db = tmp_path / "test.duckdb"
    metrics = {r[0] for r in query(db, "SELECT DISTINCT metric FROM metrics WHERE resource_id LIKE 'cloud-run:%'")}
    assert "cold_starts" not in metrics and "duration_ms_p99" in metrics


def test_a_black_holed_project_times_out_twice_then_is_given_up(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    monitoring.service.fail(P2, grpc.StatusCode.UNAVAILABLE, hang_s=1.5)
    cfg = gcp_config(tmp_path, monitoring, rest, max_workers="1", timeout_seconds="1")
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_PARTIAL
    assert requests_for(monitoring, P2) == 2  # two full timeouts, then the breaker
    errors = json.loads(query(tmp_path / "test.duckdb", "SELECT errors FROM runs")[0][0])
    assert any("DEADLINE_EXCEEDED" in e for e in errors)


def test_a_series_without_a_resource_name_is_skipped_not_fatal(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    minutes = {base + timedelta(minutes=m + 1): 1 for m in range(60)}
    labels = {"project_id": P1, "location": "europe-west1"}  # no service_name
    monitoring.service.add(
        P1, "run.googleapis.com/request_count", "DELTA", "INT64", "cloud_run_revision", labels, {}, minutes
    )
    cfg = gcp_config(tmp_path, monitoring, rest, projects='["acme-ml"]')
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    assert query(db, "SELECT count(*) FROM resources WHERE name = ''") == [(0,)]
    detail = json.loads(query(db, "SELECT detail FROM runs")[0][0])
    run_scope = next(s for s in detail["scopes"] if s["scope"] == "ml-prod/acme-ml/all/cloud-run")
    assert any("without a resource name" in line for line in run_scope["collected"])
