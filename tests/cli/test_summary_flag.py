"""A write command refreshes the stored summary of the default view after its write (one line on stderr,
stdout stays the command's JSON), and ``--no-summary`` skips it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import stored_summary, summary_form
from analysis.params import ModelParams
from analysis.tables import assess_tables
from pricing import load_price_book
from store import summaries
from tests.conftest import PROJECT_ROOT
from tests.importers.conftest import run_cli

SAMPLE = str(PROJECT_ROOT / "data" / "samples" / "long.csv")


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)


def test_an_import_refreshes_the_default_views_summary(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    code, out, err = run_cli("import", SAMPLE, "--db", str(db))
    assert code == 0
    assert json.loads(out)["files"]  # stdout is still the import's JSON alone
    (line,) = err.splitlines()
    assert line.startswith("summary: refreshed the default view (") and " in " in line and " s CPU" in line
    (entry,) = summaries.stored_entries(db)
    key, _ = summary_form.summary_key(stored_summary.default_filters(db), ModelParams(), "none")
    assert entry["key"] == key and entry["data_version"] == summaries.current_data_version(db)
    # what the dashboard reads is what the import's analysis gives
    stored = summaries.load_entry(db, key, summary_form.code_version(), summary_form.TABLE_PARTS)
    tables = summary_form.decode_tables(stored)
    assert tables == assess_tables(db, stored_summary.default_filters(db), ModelParams(), load_price_book())
    assert {r.name for r in tables.estate.rows} == {"churn-scorer", "image-tagger"}


def test_no_summary_skips_it_and_a_dry_run_writes_none(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    code, _, err = run_cli("import", SAMPLE, "--db", str(db), "--no-summary")
    assert code == 0 and "summary" not in err
    assert summaries.stored_entries(db) == []
    code, _, err = run_cli("import", SAMPLE, "--db", str(db), "--dry-run")
    assert code == 0 and "summary" not in err and summaries.stored_entries(db) == []


def test_the_help_says_what_it_costs() -> None:
    from breakeven.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices  # argparse keeps no public accessor
    for command in ("import", "demo", "run"):
        helped = " ".join(sub[command].format_help().split())
        assert "--no-summary" in helped and "80 s of CPU at 5,000 resources" in helped, command
