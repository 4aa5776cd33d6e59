"""Issue 13's invoice months beside rolling windows: the sidebar's Period lists every calendar month, marked when
a bill covers it, and choosing one (or ``month=YYYY-MM`` in a link) makes the window that month — the Overview's
spend then the bill's for it, checked by hand on the demo's own bill for search-rerank."""

from __future__ import annotations

from pathlib import Path

import pytest

from charts.format import money
from demo.bills.constants import SEARCH_RERANK_RATE
from store import connect
from tests.app.conftest import metrics_of, open_app

SCOPE = {"service": "sagemaker-endpoint", "region": "eu-west-1"}  # search-rerank alone


def october_instance_hours(db: Path) -> float:
    """search-rerank's instance-hours in October from its hourly ``instances_avg`` rows (plain SQL)."""
    with connect(db, read_only=True) as con:
        return con.execute(
            "SELECT sum(value) FROM metrics JOIN resources USING (resource_id) WHERE name = 'search-rerank' "
            "AND metric = 'instances_avg' AND period_s = 3600 "
            "AND period_start >= TIMESTAMP '2026-10-01' AND period_start < TIMESTAMP '2026-11-01'"
        ).fetchall()[0][0]


def test_an_invoice_month_is_the_window_and_its_spend_is_billed(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(demo_db, monkeypatch, query=SCOPE)
    assert not at.exception
    period = at.selectbox(key="f_period")
    labels = list(period.options)  # as shown
    assert labels[:4] == ["Date range", "November 2026 · billed", "October 2026 · billed", "September 2026 · billed"]
    assert labels[4] == "August 2026"  # the history's first day only: the demo does not bill a partial month
    period.set_value("2026-10-01").run()
    assert not at.exception and at.query_params["month"] in ("2026-10", ["2026-10"])
    spend = metrics_of(at)["Spend 01 Oct – 31 Oct 2026 (billed)"]
    assert spend == money(october_instance_hours(demo_db) * SEARCH_RERANK_RATE)  # at the bill's rate
    linked = open_app(demo_db, monkeypatch, query={**SCOPE, "month": "2026-10"})
    assert metrics_of(linked)["Spend 01 Oct – 31 Oct 2026 (billed)"] == spend
