from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collectors.source import Scope, ScopeOutcome
from store.writes import Batch, RunRecord, WatermarkRecord, record_run, write_batch
from tests.app.conftest import metrics_of, open_app


def _runs(db: Path) -> None:
    ok = ScopeOutcome(
        Scope("prod", "111122223333", "us-east-1", "lambda"), "ok", collected=["12 functions", "invocations ×288"]
    )
    failed = ScopeOutcome(
        Scope("prod", "111122223333", "eu-west-1", "lambda"),
        "failed",
        errors=["eu-west-1: ExpiredTokenException: the security token included in the request is expired"],
    )
    t = datetime(2026, 11, 28, 23, 17)
    record_run(
        db,
        RunRecord(
            "run-1",
            "collect",
            t - timedelta(hours=1),
            "ok",
            t - timedelta(hours=1, seconds=-40),
            api_calls={"GetMetricData": 3, "ListFunctions": 1},
            estimated_api_cost_usd=0.0123,
            detail={"scopes": [ok.as_dict()]},
        ),
    )
    record_run(
        db,
        RunRecord(
            "run-2",
            "collect",
            t,
            "partial",
            t + timedelta(seconds=35),
            api_calls={"GetMetricData": 2},
            estimated_api_cost_usd=0.01,
            errors=[failed.errors[0]],
            detail={"scopes": [ok.as_dict(), failed.as_dict()]},
        ),
    )
    write_batch(db, Batch(watermarks=[WatermarkRecord("prod", "111122223333", "us-east-1", "lambda", t)]))


def test_data_sources_page_shows_runs_what_failed_and_watermarks(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _runs(demo_db)
    at = open_app(demo_db, monkeypatch, page="views/sources.py")
    assert not at.exception
    shown = metrics_of(at)
    assert "partial" in shown["Last collector run"]
    assert shown["API cost, listed runs"] == "$0.02"  # 0.0123 + 0.01, as money
    runs = at.dataframe[0].value
    runs = runs[runs["kind"] == "collect"]  # the demo's own run is listed too
    assert len(runs) == 2
    assert "ExpiredTokenException" in runs["errors"].iloc[0]
    assert runs["api_calls"].iloc[1] == 4
    scope_tables = [d.value for d in at.dataframe if "scope" in d.value.columns]
    assert any("eu-west-1" in " ".join(t["scope"]) and "expired" in " ".join(t["not collected"]) for t in scope_tables)
    marks = next(d.value for d in at.dataframe if "collected_until" in d.value.columns)
    assert list(marks["region"]) == ["us-east-1"]


def test_data_sources_page_without_collector_runs(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(empty_db, monkeypatch, page="views/sources.py")
    assert not at.exception
    assert any("No collector has written" in i.value for i in at.info)
