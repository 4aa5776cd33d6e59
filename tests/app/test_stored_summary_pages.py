"""The pages read the stored summary (``analysis.stored_summary``) where it matches: after the write
command's refresh, a fresh server's Cold starts and Overview pages show the estate with the replay engine
unable to run, the same numbers it computes; after a write they show the new numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import streamlit as st

from analysis import stored_summary, summary_form
from analysis.params import ModelParams
from charts.format import count, money
from pricing import load_price_book
from store import summaries
from store.db import ensure_database
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.app.conftest import metrics_of, open_app
from tests.conftest import copy_database


@pytest.fixture(scope="module")
def refreshed(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A demo database whose default view was refreshed by a write command: (path, what it stored)."""
    path = copy_database(demo_db_template, tmp_path_factory.mktemp("pages") / "demo.duckdb")
    ensure_database(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
        done = stored_summary.refresh_default(path)
    assert done.stored
    return path, done


def _no_replay(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the estate was replayed: the stored summary was not read")


def test_the_pages_render_from_the_stored_summary_without_replaying(
    refreshed: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = refreshed
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    st.cache_data.clear()  # a server restart: nothing in memory
    stored = summaries.load_entry(path, *_default_key(path), ("estate", "cold_starts"))
    assert stored is not None
    monkeypatch.setattr("analysis.chunked.run_panels", _no_replay)  # the estate's replay, group by group
    monkeypatch.setattr("analysis.window_spend.today_by_segment", _no_replay)  # the Overview's spend
    monkeypatch.setattr("analysis.window_model.today_by_segment", _no_replay)  # the spend and its spend line: one pass
    at = open_app(path, monkeypatch, page="views/coldstarts.py")
    assert not at.exception, at.exception
    truth = summary_form.decode_tables(summaries.load_entry(path, *_default_key(path), summary_form.TABLE_PARTS))
    assert metrics_of(at)["Measured cold starts / month"] == count(truth.cold_starts.measured_per_month)
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception
    spend = summary_form.decode_spend(summaries.load_entry(path, *_default_key(path), ("spend",)))
    assert metrics_of(at)["Run-rate"] == f"{money(spend.run_rate_usd)}/mo"
    line = summary_form.decode_bill_spend(
        summaries.load_entry(path, *_default_key(path), summary_form.BILL_SPEND_PARTS)
    )
    (label,) = [label for label in metrics_of(at) if label.startswith("Spend ")]
    assert metrics_of(at)[label] == money(line.total())


def test_the_overview_after_a_restart_decodes_the_estate_alone(
    refreshed: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = refreshed
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    st.cache_data.clear()  # a server restart: nothing in memory
    stored_summary._recent.clear()
    decoded: list[str] = []
    full, alone = summary_form.decode_tables, summary_form.decode_estate
    monkeypatch.setattr("analysis.summary_form.decode_tables", lambda parts: decoded.append("tables") or full(parts))
    monkeypatch.setattr("analysis.summary_form.decode_estate", lambda parts: decoded.append("estate") or alone(parts))
    monkeypatch.setattr("analysis.chunked.run_panels", _no_replay)
    at = open_app(path, monkeypatch)  # the Overview
    assert not at.exception, at.exception
    assert decoded == ["estate"]  # its cold-start and idle tables were not decoded
    # the unpatched decode: the test's own read is not the page's
    truth = full(summaries.load_entry(path, *_default_key(path), summary_form.TABLE_PARTS))
    assert truth.estate.totals.saving_usd  # the demo has recommendations: the page says what they save
    saves = f"{truth.estate.totals.to_review} of {truth.estate.totals.resources} resources to review"
    (note,) = [c.value.replace("\\", "") for c in at.caption if "Every recommendation applied saves" in c.value]
    assert saves in note and f"saves {money(truth.estate.totals.saving_usd)}/month" in note  # (markdown unescaped)
    at.switch_page("views/coldstarts.py").run()  # a page that reads the other tables decodes them all
    assert not at.exception, at.exception
    assert decoded == ["estate", "tables"]
    assert metrics_of(at)["Measured cold starts / month"] == count(truth.cold_starts.measured_per_month)


def _default_key(path: Path) -> tuple[str, str]:
    key, _ = summary_form.summary_key(stored_summary.default_filters(path), ModelParams(), "none")
    return key, summary_form.code_version()


def test_after_a_write_the_page_shows_the_new_numbers(
    refreshed: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = refreshed
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    two_days = {"start": "2026-11-27", "end": "2026-11-28"}  # a short window: a quick replay
    window = Filters(start=date(2026, 11, 27), end=date(2026, 11, 28))  # what the sidebar makes of it
    stored_summary.tables_for(path, window, ModelParams(), load_price_book())
    before = summaries.current_data_version(path)
    assert before in {e["data_version"] for e in summaries.stored_entries(path)}  # computed and stored
    fn = ResourceRecord("lambda", "111122223333", "us-east-1", "arrived-after-the-refresh")
    start = datetime(2026, 11, 27)
    rows = [(fn.resource_id, "invocations", start.replace(hour=h), 3600, 500.0, "test") for h in range(24)]
    rows += [(fn.resource_id, "duration_ms_avg", start.replace(hour=h), 3600, 80.0, "test") for h in range(24)]
    config = ConfigRecord(fn.resource_id, start, {"memory_mb": 512, "architecture": "x86_64"}, "test")
    write_batch(path, Batch(resources=[fn], configs=[config], metrics=metrics_frame(rows)))
    st.cache_data.clear()  # and a restart: only the stored summary could still answer, and it must not
    at = open_app(path, monkeypatch, page="views/coldstarts.py", query=two_days)
    assert not at.exception, at.exception
    frame = next(d.value for d in at.dataframe if "p99_cold" in d.value.columns)
    assert "arrived-after-the-refresh" in list(frame["resource"])
    assert {e["data_version"] for e in summaries.stored_entries(path)} == {before + 1}  # the old ones pruned
