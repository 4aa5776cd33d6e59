"""``analysis.window_spend`` (the model's spend) through a real store, against hand computation: the window,
the month to date, groups.

Two Lambdas at 3,600 requests an hour from 2026-02-28 12:00 to 2026-03-01 12:00. ``scorer`` runs 1,024 MB
and 200 ms until midnight, then 2,048 MB and 100 ms; ``tagger`` (another account) 128 MB and 50 ms
throughout. A Lambda's bill for the hour is requests × $0.20 per million + GB-seconds × $0.0000166667.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from analysis.estate import assess_estate
from analysis.params import ModelParams
from analysis.window_spend import Spend, estate_spend
from pricing import load_price_book
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.replay.exact import Rates

RATES = Rates()
SCORER = ResourceRecord("lambda", "123456789012", "us-east-1", "scorer")
TAGGER = ResourceRecord("lambda", "999988887777", "us-east-1", "tagger")
START = datetime(2026, 2, 28, 12)
MARCH = datetime(2026, 3, 1)


def hour_usd(memory_gb: float, billed_ms: float) -> float:
    """One hour of 3,600 requests, by hand."""
    return 3600 * RATES.request_usd + 3600 * billed_ms / 1000 * memory_gb * RATES.gb_second_usd


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from store import ensure_database

    path = tmp_path_factory.mktemp("spend") / "spend.duckdb"
    ensure_database(path)
    rows = []
    for h in range(24):
        start = START + timedelta(hours=h)
        scorer_ms = 200.0 if start < MARCH else 100.0
        for rid, ms in ((SCORER.resource_id, scorer_ms), (TAGGER.resource_id, 50.0)):
            rows += [(rid, "invocations", start, 3600, 3600.0, "t"), (rid, "duration_ms_avg", start, 3600, ms, "t")]
            rows += [(rid, "billed_duration_ms_sum", start, 3600, 3600 * ms, "t")]
    configs = [
        ConfigRecord(SCORER.resource_id, datetime(2026, 2, 1), {"memory_mb": 1024}, "t"),
        ConfigRecord(SCORER.resource_id, MARCH, {"memory_mb": 2048}, "t"),
        ConfigRecord(TAGGER.resource_id, datetime(2026, 2, 1), {"memory_mb": 128}, "t"),
    ]
    write_batch(path, Batch(resources=[SCORER, TAGGER], configs=configs, metrics=metrics_frame(rows)))
    return path


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def spend_of(path: Path, filters: Filters, book) -> Spend:
    return estate_spend(path, filters, assess_estate(path, filters, ModelParams(), book), book)


def test_the_window_charges_each_configuration_over_its_own_hours_and_the_month_starts_on_the_first(
    store: Path, book
) -> None:
    spend = spend_of(store, Filters(), book)
    scorer_feb, scorer_mar = 12 * hour_usd(1.0, 200.0), 12 * hour_usd(2.0, 100.0)
    tagger_day = 24 * hour_usd(0.125, 50.0)
    # the model prices a month (lines rounded to cents) and scales it back to the hours: within 0.1 %
    assert spend.window_usd == pytest.approx(scorer_feb + scorer_mar + tagger_day, rel=1e-3)
    assert spend.month_start == "2026-03-01" and spend.data_until == "2026-03-01T12:00:00Z"
    assert spend.mtd_usd == pytest.approx(scorer_mar + tagger_day / 2, rel=1e-3)
    # the run-rate is the assessment's today: scorer's 2,048 MB half as a month (0.53 + 8.76), tagger's day
    assert spend.run_rate_usd == pytest.approx(0.53 + 8.76 + tagger_day * 730 / 24, rel=1e-3)
    accounts = {row.key: row for row in spend.group("account")}
    assert accounts["123456789012"].window_usd == pytest.approx(scorer_feb + scorer_mar, rel=1e-3)
    assert accounts["999988887777"].mtd_usd == pytest.approx(tagger_day / 2, rel=1e-3)
    (service,) = spend.group("service")
    assert service.label == "AWS Lambda" and service.resources == 2
    assert service.window_usd == pytest.approx(spend.window_usd) and service.run_rate_usd == spend.run_rate_usd
    assert spend.unpriced == ()


def test_a_month_that_began_before_the_window_is_read_on_its_own(store: Path, book) -> None:
    """Window 06:00-12:00 on 1 March: the window is six hours, the month to date twelve."""
    window = Filters(since=MARCH + timedelta(hours=6), until=MARCH + timedelta(hours=12))
    spend = spend_of(store, window, book)
    assert spend.window_usd == pytest.approx(6 * (hour_usd(2.0, 100.0) + hour_usd(0.125, 50.0)), rel=1e-3)
    assert spend.mtd_usd == pytest.approx(12 * (hour_usd(2.0, 100.0) + hour_usd(0.125, 50.0)), rel=1e-3)


def test_filters_narrow_the_spend(store: Path, book) -> None:
    only = Filters(accounts=("999988887777",), start=date(2026, 2, 28), end=date(2026, 3, 1))
    spend = spend_of(store, only, book)
    assert spend.window_usd == pytest.approx(24 * hour_usd(0.125, 50.0), rel=1e-3)
    assert [row.key for row in spend.group("account")] == ["999988887777"]


def test_nothing_in_the_window_spends_nothing(store: Path, book) -> None:
    empty = Filters(start=date(2026, 6, 1), end=date(2026, 6, 2))
    spend = spend_of(store, empty, book)
    assert spend.window_usd == 0 and spend.mtd_usd == 0 and spend.month_start == ""
    # the selection's resources are still listed (as the assessment lists them), with nothing spent
    assert {row.key for row in spend.group("service")} == {"lambda"}
    assert all(row.window_usd == row.mtd_usd == row.run_rate_usd == 0 for row in spend.rows)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(since=datetime(2026, 3, 1, 6), until=datetime(2026, 3, 1, 12))],
    ids=["month inside the window", "month begins before the window"],
)
def test_read_one_resource_at_a_time_the_spend_is_the_one_reads(store: Path, book, filters: Filters) -> None:
    estate = assess_estate(store, filters, ModelParams(), book)
    whole = estate_spend(store, filters, estate, book)
    parts = estate_spend(store, filters, estate, book, size=1)
    assert whole.mtd_usd > 0 and whole.window_usd > 0
    assert repr(parts) == repr(whole)
