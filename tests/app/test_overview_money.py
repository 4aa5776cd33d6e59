"""The Overview's money against ``report`` for the same inputs: default window, a filter picked in the sidebar,
a shared link with filters and an assumption, and the spend against ``analysis.window_spend``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.window_spend import Spend
from breakeven.cli import main
from charts.format import money
from tests.app.conftest import metrics_of, open_app, shown


def report_json(capsys: pytest.CaptureFixture, db: Path, *args: str) -> dict:
    assert main(["report", "--db", str(db), *args]) == 0
    return json.loads(capsys.readouterr().out)


def spend_for(db: Path, at: AppTest) -> Spend:
    """``analysis.window_spend`` for the page's window, read back from its URL."""
    from analysis.estate import assess_estate
    from analysis.window_spend import estate_spend
    from pricing import load_price_book
    from store.queries import Filters

    window = Filters(start=date.fromisoformat(at.query_params["start"]), end=date.fromisoformat(at.query_params["end"]))
    book = load_price_book(use_env=False)
    return estate_spend(db, window, assess_estate(db, window, None, book), book)


def test_the_overview_shows_reports_money_and_follows_a_filter(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db_template, monkeypatch)
    assert not at.exception
    totals = report_json(capsys, demo_db_template)["totals"]  # report's default window is the page's
    seen = metrics_of(at)
    assert seen["Run-rate"] == f"{money(totals['today_usd'])}/mo"
    assert seen["With every recommendation"] == f"{money(totals['recommended_usd'])}/mo"
    spend = spend_for(demo_db_template, at)
    assert seen["Spent in the window"] == money(spend.window_usd) and seen["Month to date"] == money(spend.mtd_usd)
    table = next(d.value for d in at.dataframe if "run_rate_usd" in d.value.columns)
    assert sorted(table["label"]) == ["FaaS", "Managed endpoint", "Serverless endpoint"]
    assert table["window_usd"].tolist() == [
        r.window_usd for r in sorted(spend.group("pattern"), key=lambda r: -r.window_usd)
    ]

    links = at.get("page_link")
    assert 0 < len(links) <= 5 and len(links) == min(5, totals["to_review"])
    assert all("resource=" in link.proto.query_string and "start=" in link.proto.query_string for link in links)
    assert len(at.get("download_button")) == 2

    at.get("button_group")[0].set_value("account").run()  # the spend by account instead
    table = next(d.value for d in at.dataframe if "run_rate_usd" in d.value.columns)
    assert set(table["label"]) == {r.key for r in spend.group("account")}

    next(w for w in at.sidebar.multiselect if w.key == "f_service").select("lambda").run()
    lambdas = report_json(capsys, demo_db_template, "--service", "lambda")
    seen = metrics_of(at)
    assert seen["Run-rate"] == f"{money(lambdas['totals']['today_usd'])}/mo" != f"{money(totals['today_usd'])}/mo"
    assert seen["With every recommendation"] == f"{money(lambdas['totals']['recommended_usd'])}/mo"
    names = [shown(link.proto.label) for link in at.get("page_link")]
    assert names and set(names) <= {r["name"] for r in lambdas["resources"]}


def test_a_shared_link_reproduces_the_view_on_every_page(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Filters and an assumption in the link: the Overview and the Costs page show report's figures for them,
    and the assumption stays in the URL when the page changes."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    link = {"service": "lambda,cloud-run", "start": "2026-11-10", "end": "2026-11-24", "m_free_tier": "1"}
    at = open_app(demo_db_template, monkeypatch, query=link)
    assert not at.exception
    args = ("--service", "lambda,cloud-run", "--since", "2026-11-10", "--until", "2026-11-24", "--free-tier")
    totals = report_json(capsys, demo_db_template, *args)["totals"]
    assert metrics_of(at)["Run-rate"] == f"{money(totals['today_usd'])}/mo"
    at.switch_page("views/costs.py").run()
    assert not at.exception
    assert at.query_params["m_free_tier"] == "1" and at.query_params["service"] == "lambda,cloud-run"
    assert at.toggle(key="m_free").value is True
    assert metrics_of(at)["Modelled cost today"] == f"{money(totals['today_usd'], cents=False)}/mo"
    at.switch_page("views/overview.py").run()  # and back: still the same view
    assert at.query_params["m_free_tier"] == "1"
    assert metrics_of(at)["Run-rate"] == f"{money(totals['today_usd'])}/mo"


def test_a_link_whose_dates_lie_outside_the_data_says_so(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(demo_db_template, monkeypatch, query={"start": "2020-01-01", "end": "2020-01-31"})
    assert not at.exception
    (said,) = [w.value for w in at.sidebar.warning]
    assert "2020-01-01 → 2020-01-31 lies outside the data" in said and "moved inside it" in said
    first, last = at.sidebar.date_input(key="f_dates").value
    assert first == last  # both ends moved to the data's first day
    picked = (first, first + timedelta(days=1))
    at.sidebar.date_input(key="f_dates").set_value(picked).run()  # a range the user picked: nothing to say
    assert not at.sidebar.warning


def test_an_unreadable_assumption_in_the_link_is_said_and_the_defaults_apply(
    demo_db_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(demo_db_template, monkeypatch, query={"m_keep_alive_s": "soon"})
    assert not at.exception
    assert any("m_keep_alive_s" in shown(w.value) and "ignored" in w.value for w in at.warning)
    assert "m_keep_alive_s" not in at.query_params  # the link now says what is shown
