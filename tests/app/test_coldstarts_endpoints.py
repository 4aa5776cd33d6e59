"""The Cold starts and Endpoints pages with interactions (a sidebar filter, a toggle, a resource choice), the
numbers shown checked against ``analysis`` for the page's own filters and against ``report``'s JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.params import ModelParams
from analysis.tables import assess_tables
from charts.cold_forward import basis
from charts.coldstarts import hourly, unused_text
from charts.format import count, money, percent
from pricing import load_price_book
from tests.app.conftest import metrics_of, open_app, shown


@pytest.fixture(scope="module")
def report(demo_db_template: Path) -> dict:
    """``report``'s JSON for the default window (the pages' default too)."""
    import contextlib
    import io

    from breakeven.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", "--db", str(demo_db_template)]) == 0
    return json.loads(out.getvalue())


COLUMN = {"cold_table": "p99_cold", "cold_fixes": "removes", "idle_table": "idle_month", "idle_savings": "what"}


def _frame(at: AppTest, key: str) -> pd.DataFrame:
    """The table shown under ``key`` (AppTest reports no key for a dataframe: found by a column only it has)."""
    return next(d.value for d in at.dataframe if COLUMN[key] in d.value.columns)


def test_cold_starts_page_shows_the_analysis_and_the_report(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch, report: dict
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db_template, monkeypatch, page="views/coldstarts.py")
    assert not at.exception
    table = assess_tables(demo_db_template, at.session_state["filters"], ModelParams(), load_price_book()).cold_starts
    metrics = metrics_of(at)
    assert metrics["Measured cold starts / month"] == count(table.measured_per_month)
    assert metrics["All cheapest fixes vs today"] == f"{money(table.cheapest_extra_usd, signed=True)}/mo"
    frame = _frame(at, "cold_table")
    assert list(frame["resource"]) == [r.name for r in table.rows]
    by_name = {r["name"]: r for r in report["resources"]}
    for (_, line), row in zip(frame.iterrows(), table.rows, strict=True):
        assert line["measured"] == count(row.cold.measured_per_month)
        assert line["modelled"] == count(row.cold.modelled_per_month)
        assert line["used"] == count(row.cold.estimate_per_month)
        assert line["extra"] == money(row.cheapest_extra_usd, signed=True)
        assert line["cheapest_fix"] == (row.cold.cheapest_fix or "—")
        # the report's cold starts per month: measured where the platform reports them, else modelled
        reported = by_name[row.name]["current"]["cold_starts_per_month"]
        per_month = row.cold.measured_per_month if row.cold.measured_per_month is not None else None
        if per_month is not None:
            assert reported == round(per_month) == round(row.cold.estimate_per_month)
        assert by_name[row.name]["current"]["monthly_usd"] == round(row.today_usd, 2)

    at.toggle(key="cs_p99").set_value(True).run()
    frame = _frame(at, "cold_table")
    assert list(frame["resource"]) == [r.name for r in table.rows if r.reaches_p99] and len(frame) >= 1
    choice = next(r for r in table.rows if r.reaches_p99)
    at.selectbox(key="cs_resource").set_value(choice.resource_id).run()
    fixes = _frame(at, "cold_fixes")
    assert list(fixes["fix"][: len(choice.cold.fixes)]) == [f[0] for f in choice.cold.fixes]
    assert any(money(choice.cheapest_extra_usd, signed=True) in shown(s.value) for s in at.success)
    assert any(shown(c.value) == basis(choice.cold) for c in at.caption)

    next(w for w in at.sidebar.multiselect if w.key == "f_service").select("cloud-functions").run()
    assert not at.exception
    at.toggle(key="cs_p99").set_value(False).run()
    frame = _frame(at, "cold_table")
    assert set(frame["service"]) == {"Cloud Functions"} and set(frame["measured"]) == {"—"}


def test_endpoints_page_shows_the_analysis_and_the_report(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch, report: dict
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db_template, monkeypatch, page="views/endpoints.py")
    assert not at.exception
    idle = assess_tables(demo_db_template, at.session_state["filters"], ModelParams(), load_price_book()).idle
    metrics = metrics_of(at)
    assert metrics["Paid in hours with no traffic"] == f"{money(idle.idle_usd_per_month)}/mo"
    assert metrics["In the window, hours with no traffic"] == money(idle.idle_usd)
    assert metrics["Paid for unused capacity"] == f"{money(idle.unused_usd_per_month)}/mo"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Paid in hours with no traffic"] == f"{percent(idle.idle_share)} of endpoint spend"
    assert idle.unused_known == 7 and idle.unused_usd_per_month > idle.idle_usd_per_month  # the demo measures CPU
    frame = _frame(at, "idle_table")
    assert list(frame["endpoint"]) == [e.name for e in idle.rows] and len(frame) == 7
    by_name = {r["name"]: r for r in report["resources"]}
    for (_, line), e in zip(frame.iterrows(), idle.rows, strict=True):
        assert line["idle_month"] == money(e.idle_usd_per_month)
        assert line["unused_month"] == money(e.unused_usd_per_month)
        assert line["hour_usd"] == hourly(e.hour_usd)
        assert line["today"] == money(by_name[e.name]["current"]["monthly_usd"])
        billed = by_name[e.name]["billed"]  # the demo carries its bills: the report's figure, as money
        assert line["billed"] == (money(billed["monthly_usd"]) if billed else "—")
    assert sum(line != "—" for line in frame["billed"]) >= 5  # most endpoints are billed by the demo's bills
    assert any("what the imported bills charged each endpoint" in c.value for c in at.caption)
    assert idle.idle_usd_per_month > 0  # the demo has idle endpoints

    at.toggle(key="ep_idle").set_value(True).run()
    frame = _frame(at, "idle_table")
    idle_ones = [e for e in idle.rows if e.idle_hours > 0]
    assert list(frame["endpoint"]) == [e.name for e in idle_ones]
    first = idle_ones[0]
    at.selectbox(key="ep_resource").set_value(first.resource_id).run()
    text = " ".join(shown(m.value) for m in at.markdown)
    assert f"{count(first.idle_hours)} of {count(first.hours)} hours without a request" in text
    assert money(first.idle_usd_per_month) in text and unused_text(first) in text
    savings = _frame(at, "idle_savings")
    assert list(savings["saving"]) == [money(s.saving_usd, signed=True) for s in first.savings]
    options = {o["label"]: o for o in by_name[first.name]["options"]}
    for s in first.savings:
        if s.what != "schedule":
            assert options[s.label]["monthly_usd"] == round(s.monthly_usd, 2)

    next(w for w in at.sidebar.multiselect if w.key == "f_service").select("vertex-endpoint").run()
    at.toggle(key="ep_idle").set_value(False).run()
    frame = _frame(at, "idle_table")
    assert set(frame["service"]) == {"Vertex AI endpoint"} and len(frame) == 3


def test_both_pages_on_an_empty_database(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for page in ("views/coldstarts.py", "views/endpoints.py"):
        at = open_app(empty_db, monkeypatch, page=page)
        assert not at.exception
        first = [w.value.split(".")[0] for w in at.warning]
        assert first == ["No resource has data in the selected window and filters"]
