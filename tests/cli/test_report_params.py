"""``report --param``: the dashboard's ``m_*`` assumptions and what-ifs on the command line, read as the URL is."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analysis.billed import billed_view
from analysis.estate import assess_estate
from analysis.params import ModelParams
from breakeven.cli import main
from charts.report import to_json
from pricing import load_price_book
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch

T0 = datetime(2026, 3, 1)
FN = ResourceRecord("lambda", "1", "us-east-1", "steady")


@pytest.fixture
def db(empty_db: Path) -> Path:
    rows = [
        (FN.resource_id, metric, T0 + timedelta(hours=h), 3600, value, "t")
        for h in range(24)
        for metric, value in (("invocations", 3600.0), ("duration_ms_avg", 100.0), ("billed_duration_ms_sum", 360000.0))
    ]
    config = ConfigRecord(FN.resource_id, T0 - timedelta(days=1), {"memory_mb": 1024, "architecture": "x86_64"}, "t")
    write_batch(empty_db, Batch(resources=[FN], configs=[config], metrics=metrics_frame(rows)))
    return empty_db


def _report(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_params_are_the_analysis_with_the_same_model_params(
    db: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    code, out, err = _report(capsys, "--db", str(db), "--param", "m_traffic_scale=2", "--param", "memory_mb=2048",
                             "--free-tier")  # fmt: skip
    assert code == 0, err
    params = ModelParams(traffic_scale=2.0, memory_mb=2048, free_tier=True)
    window = Filters(since=T0 - timedelta(days=29), until=T0 + timedelta(hours=24))
    book = load_price_book(use_env=False)
    billed = billed_view(db, window, book, free_tier=True)  # None: this database holds no bill
    expected = json.loads(to_json(assess_estate(db, window, params, book), billed=billed))
    assert json.loads(out) == expected
    code, plain, _ = _report(capsys, "--db", str(db))
    doubled, once = json.loads(out)["resources"][0], json.loads(plain)["resources"][0]
    assert doubled["requests_per_month"] == 2 * once["requests_per_month"]  # the flag changed what was assessed


@pytest.mark.parametrize(
    ("param", "words"),
    [
        ("traffic_scale=1000", "--param traffic_scale: must be between 0.1 and 100 (got 1000)"),
        ("m_nope=1", "--param m_nope: not a model parameter"),
        ("traffic_scale", "--param 'traffic_scale': must be NAME=VALUE"),
        ("architecture=sparc", "--param architecture: must be one of"),
    ],
)
def test_a_bad_param_is_one_line_and_exit_2(db: Path, capsys: pytest.CaptureFixture, param: str, words: str) -> None:
    code, out, err = _report(capsys, "--db", str(db), "--param", param)
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1
