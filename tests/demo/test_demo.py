from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from common.services import SERVICES
from demo import DEMO_SEED, MINUTE_DAYS, build_demo
from store import connect
from tests.conftest import DEMO_END


@pytest.fixture(scope="module")
def demo_batch():
    return build_demo(seed=DEMO_SEED, end=DEMO_END)


def test_same_seed_same_data(demo_batch) -> None:
    again = build_demo(seed=DEMO_SEED, end=DEMO_END)
    assert again.metrics.equals(demo_batch.metrics)
    assert again.configs == demo_batch.configs


def test_another_seed_gives_other_data(demo_batch) -> None:
    other = build_demo(seed=DEMO_SEED + 1, end=DEMO_END)
    assert not other.metrics.equals(demo_batch.metrics)


def test_estate_covers_both_providers_every_service_three_accounts_four_regions(demo_batch) -> None:
    resources = demo_batch.resources
    assert {r.service for r in resources} == set(SERVICES)
    assert len({r.account for r in resources}) == 3
    assert len({r.region for r in resources}) == 4
    assert 20 <= len(resources) <= 30


def _series(demo_db: Path, name: str, metric: str, period_s: int) -> pd.Series:
    with connect(demo_db, read_only=True) as con:
        df = con.execute(
            "SELECT period_start, value FROM metrics JOIN resources USING (resource_id) "
            "WHERE name = ? AND metric = ? AND period_s = ? ORDER BY period_start",
            [name, metric, period_s],
        ).df()
    return df.set_index("period_start")["value"]


def test_history_is_hourly_for_90_days_and_per_minute_for_the_last_7(demo_db: Path) -> None:
    hourly = _series(demo_db, "fraud-score", "invocations", 3600)
    minute = _series(demo_db, "fraud-score", "invocations", 60)
    assert hourly.index.min() == DEMO_END - timedelta(days=90)
    assert len(hourly) == 90 * 24
    assert minute.index.min() == DEMO_END - timedelta(days=MINUTE_DAYS)
    # the hourly history and the per-minute rows describe the same traffic
    recent = hourly[hourly.index >= DEMO_END - timedelta(days=MINUTE_DAYS)]
    assert recent.sum() == pytest.approx(minute.sum())


def test_seasonality_weekly_pattern_and_holiday_spike(demo_db: Path) -> None:
    hourly = _series(demo_db, "vertex-propensity", "invocations", 3600)
    by_hour = hourly.groupby(hourly.index.hour).mean()
    assert by_hour.max() > 1.5 * by_hour.min()
    spike = hourly[(hourly.index >= DEMO_END - timedelta(days=3)) & (hourly.index < DEMO_END - timedelta(days=2))]
    week_before = hourly[
        (hourly.index >= DEMO_END - timedelta(days=10)) & (hourly.index < DEMO_END - timedelta(days=9))
    ]
    assert spike.sum() > 2 * week_before.sum()


def test_spiky_function_cold_starts_follow_idle_gaps(demo_db: Path) -> None:
    inv = _series(demo_db, "text-embed-burst", "invocations", 60)
    cold = _series(demo_db, "text-embed-burst", "cold_starts", 60)
    full = inv.reindex(pd.date_range(inv.index.min(), inv.index.max(), freq="60s"), fill_value=0)
    idle_before = full.rolling(7).max().shift(1).fillna(1) == 0
    cold_minutes = cold[cold > 0].index
    assert len(cold_minutes) > 100
    after_gap_when_cold = idle_before.loc[cold_minutes].mean()
    after_gap_when_busy = idle_before.loc[inv[inv > 0].index].mean()
    assert after_gap_when_cold > 0.6  # most cold starts come right after an idle gap ...
    assert after_gap_when_cold > 2 * after_gap_when_busy  # ... far more often than busy minutes do
    assert (_series(demo_db, "text-embed-burst", "throttles", 60) > 0).any()


def test_the_cases_a_user_must_recognise_are_present(demo_batch, demo_db: Path) -> None:
    configs = {}
    for c in demo_batch.configs:
        configs.setdefault(c.resource_id.split(":")[-1], []).append(c)
    assert [c.values["memory_mb"] for c in configs["recsys-rank"]] == [1024, 2048]  # memory change
    assert configs["llm-summarize-g5"][0].values["instance_type"].startswith("ml.g5")  # GPU endpoint
    assert configs["llm-summarize-g5"][0].values["accelerator_count"] == 1
    idle = _series(demo_db, "legacy-forecast", "invocations", 3600)
    assert idle.sum() < 90 * 24 * 0.5 * 60  # the idle endpoint serves a trickle for 2,160 paid hours
    assert _series(demo_db, "legacy-forecast", "instances_avg", 3600).min() == 1
    setup = _series(demo_db, "kyc-ocr-serverless", "init_duration_ms_avg", 60)
    assert setup.median() > 5000  # model-setup cold starts on SageMaker Serverless
    assert _series(demo_db, "run-embeddings", "instances_avg", 60).min() >= 2  # Cloud Run min instances
    steady = _series(demo_db, "fraud-score", "invocations", 3600)
    assert steady.mean() / 3600 > 50 and np.percentile(steady, 5) > 0.4 * steady.mean()  # steady, high traffic
    assert (_series(demo_db, "fraud-score", "errors", 3600) > 0).any()


def test_the_demo_bills_each_whole_invoice_month_and_remove_takes_only_its_bills(demo_db: Path) -> None:
    """The history starts 31 August (90 days before DEMO_END): September, October and November (to its last
    day with data, the 28th) are billed for each of the three accounts, through the billing importer; removing
    the demo takes its bills out and leaves a user's bill as it was."""
    from datetime import date

    from demo import remove_demo
    from demo.bills.constants import FOCUS_FILE
    from importers.billing import read_billing_file
    from store.billing import write_billing
    from tests.conftest import PROJECT_ROOT

    with connect(demo_db, read_only=True) as con:
        months = con.execute(
            "SELECT account, list(DISTINCT billing_period ORDER BY billing_period), max(day) FROM billing_charges "
            "WHERE charge_category = 'usage' GROUP BY account ORDER BY account"
        ).fetchall()
        files = [r[0] for r in con.execute("SELECT file_name FROM uploads ORDER BY 1").fetchall()]
    wanted = [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert [(a, m, last) for a, m, last in months] == [
        (account, wanted, date(2026, 11, 28)) for account in ("111122223333", "444455556666", "acme-ml-prod")
    ]
    assert files == [
        "demo/billing-cur2-111122223333.csv.gz",
        "demo/billing-focus-1.2-444455556666.csv",
        "demo/billing-gcp-detailed-acme-ml-prod.parquet",
    ]
    write_billing(demo_db, read_billing_file(PROJECT_ROOT / "data" / "samples" / FOCUS_FILE))  # a user's import
    remove_demo(demo_db)
    with connect(demo_db, read_only=True) as con:
        left = con.execute(
            "SELECT DISTINCT u.file_name, b.billing_period FROM billing_charges b JOIN uploads u USING (upload_id)"
        ).fetchall()
        uploads = con.execute("SELECT file_name FROM uploads").fetchall()
    assert left == [(FOCUS_FILE, date(2026, 11, 1))] and uploads == [(FOCUS_FILE,)]
