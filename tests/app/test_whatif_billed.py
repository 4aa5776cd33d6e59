"""The What-if page with a bill (issue 13): the bill's figure for the same window beside the baseline, the
what-if said to be modelled, and the bill's effective rates applied to both sides when the toggle is on — every
figure ``analysis.billed``'s (what ``report`` prints) for the same inputs. The demo carries its own bills."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.billed import at_bill_rates, billed_view
from analysis.estate import assess_estate
from analysis.params import ModelParams
from charts.format import money
from demo.bills.constants import SEARCH_RERANK_RATE
from pricing import load_price_book
from store.queries import Filters
from tests.app.conftest import metrics_of, open_app, shown
from tests.app.test_whatif import PAGE, RESOURCE, SCOPE, WINDOW

SEARCH_RERANK_LIST = 0.204  # ml.c5.xlarge: the price sheet's us-east-1 figure, reused for eu-west-1


@pytest.fixture(scope="module")
def view(demo_db_template: Path):
    return billed_view(demo_db_template, WINDOW, load_price_book(use_env=False))


def test_the_bill_sits_beside_the_baseline_and_the_what_if_is_modelled(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, view
) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db, monkeypatch, page=PAGE, query={**SCOPE, "resource": RESOURCE, "m_traffic_scale": "2.0"})
    assert not at.exception
    rows = view.rows
    assert len(rows) == 3  # the research account's three functions, billed by its FOCUS bill
    monthly = sum(r.monthly_usd for r in rows)
    assert metrics_of(at)["Billed, same window"] == f"{money(monthly)}/mo"
    delta = {m.label: m.delta for m in at.metric}["Billed, same window"]
    assert delta == f"{money(view.billed_usd)} billed vs {money(view.modelled_usd)} modelled, same days"
    captions = [shown(c.value) for c in at.caption]
    modelled = "every what-if figure on this page is **modelled** (a bill cannot be what-if'd)"
    assert any("covers 3 of 3 resources" in c and modelled in c for c in captions)
    one = view.row(RESOURCE)
    assert any(f"Billed for this resource over the same window: {money(one.monthly_usd)}/mo" in c for c in captions)


def test_the_toggle_prices_both_sides_at_the_bills_rates(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``bill_rates=1`` the baseline's "Cost today" is ``at_bill_rates``' (the Costs page's view): for
    search-rerank, billed at $0.227 an hour where the price sheet reuses us-east-1's $0.204, the same instance
    hours at the billed rate."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    scope = {"service": "sagemaker-endpoint", "region": "eu-west-1"}  # search-rerank alone
    window = Filters(start=WINDOW.start, end=WINDOW.end, services=("sagemaker-endpoint",), regions=("eu-west-1",))
    book = load_price_book(use_env=False)
    view = billed_view(demo_db, window, book)
    calibrated = at_bill_rates(demo_db, window, ModelParams(), view, book).estate
    listed = assess_estate(demo_db, window, ModelParams(), book)  # the baseline at the prices in use
    at = open_app(demo_db, monkeypatch, page=PAGE, query={**scope, "bill_rates": "1", "m_traffic_scale": "2.0"})
    assert not at.exception
    base = {m.label: m.delta for m in at.metric}["Cost today"]
    assert base.endswith(f"vs {money(calibrated.totals.today_usd)}/mo")
    # the bill's rate is all that moved it: the same instance hours at $0.227 instead of $0.204
    expected = listed.totals.today_usd * SEARCH_RERANK_RATE / SEARCH_RERANK_LIST
    assert calibrated.totals.today_usd == pytest.approx(expected, abs=0.01)  # totals are kept to the cent
    assert any("priced at the bill's effective rates" in shown(c.value) for c in at.caption)
