"""The Cold starts table against truth: an exact per-request replay of a trace generated here (its cold
starts, init times and requests), hand computation of SnapStart, and the resource view's own figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from analysis.coldstarts import SNAPSTART_CACHE_USD_PER_GB_S, SNAPSTART_RESTORE_USD_PER_GB, snapstart
from analysis.detail import assess_resource
from analysis.params import ModelParams
from analysis.tables import assess_tables
from common.units import MONTH_SECONDS
from pricing import load_price_book
from store.queries import Filters
from store.writes import ResourceRecord
from tests.analysis.store_traces import write_trace
from tests.conftest import DEMO_END
from tests.replay import exact, traces

MIDNIGHT = 20_412 * 86_400
KEEP_ALIVE = 60.0
FN = ResourceRecord("lambda", "123456789012", "us-east-1", "scorer")
WINDOW = Filters(start=(DEMO_END - timedelta(days=30)).date(), end=(DEMO_END - timedelta(days=1)).date())


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def test_measured_cold_starts_share_and_init_are_the_replays(empty_db: Path, book) -> None:
    """A sparse trace (0.02 requests/s, 1-minute keep-alive): about a third of requests start cold, measured
    per minute."""
    hours = 12
    trace = traces.poisson(5, 0.02, hours, median_ms=200, init_ms=2500)
    outcome = exact.replay(trace, KEEP_ALIVE)
    config = {"memory_mb": 2048, "architecture": "x86_64"}
    write_trace(empty_db, FN, outcome, (0.0, trace.end_s), MIDNIGHT, 60, [(-3600.0, config)])
    tables = assess_tables(empty_db, Filters(), ModelParams(keep_alive_s=KEEP_ALIVE), book)
    (row,) = tables.cold_starts.rows
    span_h = tables.estate.row(FN.resource_id).measured_hours
    assert hours - 0.1 <= span_h <= hours  # the span from the first to the last minute with a request
    factor = MONTH_SECONDS / (span_h * 3600)
    cold = outcome.cold_starts
    assert cold > 100
    assert row.cold.measured_per_month == pytest.approx(cold * factor)
    assert row.cold.share_of_requests == pytest.approx(cold / outcome.requests)
    inside = outcome.inside & outcome.cold
    assert row.cold.init_ms == pytest.approx(float(outcome.init_ms[inside].mean()), rel=1e-6)
    assert row.cold.init_measured
    assert row.reaches_p99 is (cold / outcome.requests >= 0.01)
    if row.reaches_p99:
        assert row.p99_with_cold_ms == pytest.approx(row.p99_ms + row.cold.init_ms)
    # SnapStart by hand: 2 GB cached all month, 2 GB restored per cold start
    cache = 2 * MONTH_SECONDS * SNAPSTART_CACHE_USD_PER_GB_S
    restore = cold * factor * 2 * SNAPSTART_RESTORE_USD_PER_GB
    assert row.snapstart.monthly_usd == pytest.approx(cache + restore)
    # the estate's row says the same; the cheapest fix is the cheapest that removes them
    assert tables.estate.row(FN.resource_id).current.cold_starts_per_month == pytest.approx(cold * factor)
    priced = [f for f in row.cold.fixes if f[1] is not None]
    assert priced and row.cheapest_extra_usd == min(f[1] for f in priced)
    assert tables.cold_starts.measured_per_month == pytest.approx(cold * factor)


def test_snapstart_is_lambda_only_and_unpriced_outside_its_region() -> None:
    assert snapstart("cloud-functions", "us-east-1", 1024, 10) is None
    eu = snapstart("lambda", "eu-west-1", 1024, 10)
    assert eu.monthly_usd is None and "eu-west-1" in eu.note
    assert "unconfirmed" in snapstart("lambda", "us-east-1", 1024, 10).note


@pytest.fixture(scope="module")
def demo_tables(demo_db_template: Path, book):
    return assess_tables(demo_db_template, WINDOW, ModelParams(), book)


@pytest.mark.parametrize("name", ["churn-predict", "gcf-image-tagger"])
def test_each_row_is_the_resource_views_cold_starts(demo_db_template: Path, demo_tables, book, name) -> None:
    """Measured (Lambda) and modelled only (Cloud Functions): the resource view's figures."""
    row = next(r for r in demo_tables.cold_starts.rows if r.name == name)
    detail = assess_resource(demo_db_template, row.resource_id, WINDOW, ModelParams(), book)
    assert detail is not None
    assert row.cold == detail.cold_starts
    assert row.today_usd == detail.row.current.monthly_usd


def test_every_demo_function_has_a_row_and_no_endpoint_does(demo_tables) -> None:
    services = {r.service for r in demo_tables.cold_starts.rows}
    assert services == {"lambda", "cloud-functions", "cloud-run", "sagemaker-serverless"}
    assert len(demo_tables.cold_starts.rows) == 17
    shares = [r.cold.share_of_requests for r in demo_tables.cold_starts.rows]
    assert shares == sorted(shares, reverse=True) and all(np.isfinite(shares))
