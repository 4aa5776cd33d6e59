"""``python -m breakeven report``: golden files on the demo estate, the window rules, formula-safe CSV, errors."""

from __future__ import annotations

import csv
import difflib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from breakeven.cli import main
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, "utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path.name} is missing: run pytest --update-golden and review it")
        expected = path.read_text("utf-8")
        if expected != text:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), name, "actual"))
            pytest.fail(f"{name} differs from its golden file (pytest --update-golden to accept):\n{diff[:20000]}")

    return check


def report(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def demo_json(demo_db_template: Path) -> dict:
    from analysis.billed import billed_view
    from analysis.estate import assess_estate
    from charts.report import to_json
    from pricing import load_price_book
    from store.queries import Filters

    window = Filters(since=datetime(2026, 10, 30), until=datetime(2026, 11, 29))
    book = load_price_book(use_env=False)
    billed = billed_view(demo_db_template, window, book)
    return json.loads(to_json(assess_estate(demo_db_template, window, None, book), billed=billed))


@pytest.mark.parametrize(("fmt", "name"), [("json", "report_demo.json"), ("markdown", "report_demo.md")])
def test_the_demo_report_matches_its_golden_file(
    demo_db_template: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, golden, fmt: str, name: str
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    code, out, err = report(capsys, "--db", str(demo_db_template), "--format", fmt)
    assert code == 0, err
    golden(name, out)


def test_the_default_window_is_the_30_days_ending_at_the_newest_data(
    demo_db_template: Path, capsys: pytest.CaptureFixture, demo_json: dict
) -> None:
    code, out, _ = report(capsys, "--db", str(demo_db_template))
    data = json.loads(out)
    assert code == 0 and data["window"] == {"start": "2026-10-30T00:00:00Z", "end": "2026-11-29T00:00:00Z"}
    assert data == demo_json  # the same as the analysis over that window
    resource = data["resources"][0]
    assert set(resource) == {
        "resource_id", "name", "service", "region", "account", "requests_per_month", "current", "options", "best",
        "break_even_requests_per_month", "verdict", "skipped_reason", "billed",
    }  # fmt: skip
    assert set(data) == {"window", "resources", "totals", "unmatched_usd"}
    # the demo's own bills cover the window: every resource has its billed figure, the unmatched spend is listed
    # (tests/cli/test_report_billed.py checks the figures by hand)
    assert all(r["billed"] is not None for r in data["resources"])
    assert set(data["unmatched_usd"]) == {"AWSLambda", "AmazonCloudWatch", "Cloud Run"}
    assert set(resource["current"]) == {"monthly_usd", "cold_starts_per_month", "incomplete", "unconfirmed"}
    assert {o["pattern"] for r in data["resources"] for o in r["options"]} <= {
        "faas", "endpoint", "serverless-endpoint", "hybrid",
    }  # fmt: skip


def test_filters_and_an_explicit_window(demo_db_template: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = report(
        capsys, "--db", str(demo_db_template), "--service", "lambda", "--region", "us-east-1",
        "--since", "2026-11-28T18:15", "--until", "2026-11-28T21:40",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["window"] == {"start": "2026-11-28T18:15:00Z", "end": "2026-11-28T21:40:00Z"}
    assert {r["service"] for r in data["resources"]} == {"lambda"} and {r["region"] for r in data["resources"]} == {
        "us-east-1"
    }
    assert all("extrapolated from 3.4 hours" in r["verdict"]["text"] for r in data["resources"])


def test_csv_is_formula_safe(empty_db: Path, capsys: pytest.CaptureFixture) -> None:
    fn = ResourceRecord("lambda", "1", "us-east-1", '=HYPERLINK("http://x")')
    t0 = datetime(2026, 3, 1)
    rows = [
        (fn.resource_id, metric, t0 + timedelta(hours=h), 3600, value, "t")
        for h in range(24)
        for metric, value in (("invocations", 100.0), ("duration_ms_avg", 80.0))
    ]
    config = ConfigRecord(fn.resource_id, t0, {"memory_mb": 512}, "t")
    write_batch(empty_db, Batch(resources=[fn], configs=[config], metrics=metrics_frame(rows)))
    code, out, _ = report(capsys, "--db", str(empty_db), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(table) == 1
    assert table[0]["name"] == '\'=HYPERLINK("http://x")'
    assert float(table[0]["current_monthly_usd"]) > 0  # numbers stay numbers
    code, out, _ = report(capsys, "--db", str(empty_db), "--format", "markdown")
    assert "\\=HYPERLINK" not in out and '=HYPERLINK("http://x")' in out  # no link markup can form: "[" "]" absent
    assert "](" not in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--since", "yesterday"), "--since 'yesterday': not an ISO date or time"),
        (("--since", "2026-11-02", "--until", "2026-11-01"), "--since must be before --until"),
        (("--service", "lambada"), "--service 'lambada': must be one of"),
        (("--format", "xml"), "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    demo_db_template: Path, capsys: pytest.CaptureFixture, args: tuple[str, ...], words: str
) -> None:
    code, out, err = report(capsys, "--db", str(demo_db_template), *args)
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1


def test_a_missing_database_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, err = report(capsys, "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and out == "" and "No database" in err
