"""The What-if page: moving a lever recomputes the estate and the resource in view, baseline and what-if side by
side, and every figure shown is ``report``'s (or ``assess_resource``'s) for the same ``m_*`` parameters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import ModelParams, assess_resource
from analysis.options import PROVISIONED
from analysis.scaled_peaks import RULE_WORDS
from breakeven.cli import main
from charts.cold_forward import basis
from charts.format import count, money
from charts.text import md
from pricing import load_price_book
from store.queries import Filters
from tests.app.conftest import metrics_of, open_app, shown

PAGE = "views/whatif.py"
SCOPE = {"service": "lambda", "account": "444455556666"}  # three functions: a small estate, fast to replay
RESOURCE = "lambda:444455556666:eu-west-1:nsfw-filter"
WINDOW = Filters(start=date(2026, 10, 30), end=date(2026, 11, 28), services=("lambda",), accounts=("444455556666",))


def _report(db: Path, capsys: pytest.CaptureFixture, *params: str) -> dict:
    args = ["report", "--db", str(db), "--service", "lambda", "--account", "444455556666"]
    assert main([*args, *(a for p in params for a in ("--param", p))]) == 0
    return json.loads(capsys.readouterr().out)


def _table(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_traffic_doubled_shows_what_report_prints_with_the_same_parameters(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db, monkeypatch, page=PAGE, query={**SCOPE, "resource": RESOURCE})
    assert not at.exception
    assert any("Move a lever" in i.value for i in at.info)
    at.select_slider(key="wi_scale").set_value(2.0).run()
    assert not at.exception and at.query_params["m_traffic_scale"] == "2.0"

    base, doubled = _report(demo_db, capsys), _report(demo_db, capsys, "m_traffic_scale=2.0")
    figures = metrics_of(at)
    today = doubled["totals"]["today_usd"] - base["totals"]["today_usd"]
    assert figures["Cost today"] == f"{money(doubled['totals']['today_usd'])}/mo"
    assert figures["With the recommendations"] == f"{money(doubled['totals']['recommended_usd'])}/mo"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Cost today"] == f"{money(today, signed=True)} vs {money(base['totals']['today_usd'])}/mo"
    assert today > 0  # twice the traffic costs more: the equalities above compare two different estates

    table = _table(at, "today_what_if")
    by_name = {r["name"]: (r, b) for r, b in zip(doubled["resources"], base["resources"], strict=True)}
    assert len(table) == len(by_name) == 3
    for _, row in table.iterrows():
        now, before = by_name[row["resource"]]
        assert row["today_what_if"] == money(now["current"]["monthly_usd"])
        assert row["today_base"] == money(before["current"]["monthly_usd"])
        assert now["requests_per_month"] == pytest.approx(2 * before["requests_per_month"], abs=1)  # whole requests

    # the resource in view: every pattern against assess_resource on the same inputs
    patterns = _table(at, "monthly_what_if")
    book = load_price_book(use_env=False)
    old = assess_resource(demo_db, RESOURCE, WINDOW, ModelParams(), book)
    new = assess_resource(demo_db, RESOURCE, WINDOW, ModelParams(traffic_scale=2.0), book)
    assert patterns.iloc[0]["option"] == "today"
    assert patterns.iloc[0]["monthly_what_if"] == money(new.row.current.monthly_usd)
    assert patterns.iloc[0]["monthly_base"] == money(old.row.current.monthly_usd)
    shown_options = {r["option"].split(" (was ")[0]: r for _, r in patterns.iloc[1:].iterrows()}
    assert len(shown_options) == len(new.options)
    for option in new.options:
        assert shown_options[option.row.label]["monthly_what_if"] == money(option.row.monthly_usd)
    assert metrics_of(at)["Requests / month"] == count(new.row.requests_per_month)
    # its cold starts: measured, carried forward, the parts shown as assess_resource has them
    cold = new.cold_starts
    assert cold.rule == "carried" and cold.measured_per_month == old.cold_starts.measured_per_month
    assert any(md(basis(cold)) in c.value for c in at.caption)
    parts = _table(at, "grows").set_index("part")
    assert parts.loc["Used for cost and latency", "per_month"] == count(cold.estimate_per_month)
    assert patterns.iloc[0]["cold_starts_what_if"] == count(cold.estimate_per_month)
    # every option's cold starts as assess_resource and report have them: provisioned concurrency carries the
    # same measured count (its spill-over's share), never more than today's, and report prints the same figure
    reported = {o["label"]: o for o in next(r for r in doubled["resources"] if r["resource_id"] == RESOURCE)["options"]}
    for option in new.options:
        shown_row = shown_options[option.row.label]
        assert shown_row["cold_starts_what_if"] == count(option.row.cold_starts_per_month)
        assert reported[option.row.label]["cold_starts_per_month"] == pytest.approx(
            option.row.cold_starts_per_month, abs=0.5
        )  # whole cold starts in report
    provisioned = next(o.row for o in new.options if o.row.kind == PROVISIONED)
    assert 0 < provisioned.cold_starts_per_month < cold.estimate_per_month
    removed = 1 - provisioned.cold_starts_per_month / cold.estimate_per_month
    assert f"removes {removed:.0%} of cold starts" in provisioned.label
    # the peaks' rule and its assumption, in words beside the what-if
    assert any(c.value == md(RULE_WORDS) for c in at.caption)

    # a second lever: memory, and the resource's patterns follow
    at.selectbox(key="wi_memory").set_value(1024).run()
    assert not at.exception and at.query_params["m_memory_mb"] == "1024"
    both = assess_resource(demo_db, RESOURCE, WINDOW, ModelParams(traffic_scale=2.0, memory_mb=1024), book)
    patterns = _table(at, "monthly_what_if")
    assert patterns.iloc[0]["monthly_what_if"] == money(both.row.current.monthly_usd)
    assert both.row.current.monthly_usd != new.row.current.monthly_usd
    assert metrics_of(at)["Today"] == f"{money(both.row.current.monthly_usd)}/mo"


def test_a_bad_value_in_the_link_is_named_and_ignored(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(empty_db, monkeypatch, page=PAGE, query={"m_traffic_scale": "1000"})
    assert not at.exception
    assert any("traffic_scale: must be between 0.1 and 100" in shown(w.value) for w in at.warning)
    assert any("No resources with data" in w.value for w in at.warning)
