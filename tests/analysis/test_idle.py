"""Idle endpoints against hand computation: hourly endpoint traces generated here, written to a real store,
and the idle hours, instance-hours and dollars counted by hand at the price sheet's hourly price."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analysis.params import ModelParams
from analysis.tables import assess_tables
from common.units import MONTH_HOURS
from pricing import load_price_book
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch

EP = ResourceRecord("sagemaker-endpoint", "123456789012", "us-east-1", "scorer")
START = datetime(2026, 3, 2)  # a Monday, 00:00 UTC
TYPE = "ml.m5.large"


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def _write(
    path: Path, hours: int, busy: set[int], instances: dict[int, float], cpu: dict[int, float] | None = None
) -> None:
    """``hours`` hours of an endpoint: requests only in the ``busy`` hours, ``instances`` running (default 1),
    the measured CPU % of the hours in ``cpu``."""
    rows = []
    for h in range(hours):
        at = START + timedelta(hours=h)
        rows.append((EP.resource_id, "instances_avg", at, 3600, instances.get(h, 1.0), "test"))
        if cpu is not None and h in cpu:
            rows.append((EP.resource_id, "cpu_utilization_pct_avg", at, 3600, cpu[h], "test"))
        if h in busy:
            rows.append((EP.resource_id, "invocations", at, 3600, 360.0, "test"))
            rows.append((EP.resource_id, "duration_ms_avg", at, 3600, 50.0, "test"))
    config = ConfigRecord(EP.resource_id, START - timedelta(days=1), {"instance_type": TYPE, "instance_count": 1}, "t")
    write_batch(path, Batch(resources=[EP], configs=[config], metrics=metrics_frame(rows)))


def test_24_instance_hours_with_10_idle_cost_10_hours_at_the_sheet_price(empty_db: Path, book) -> None:
    idle = {3, 4, 5, 6, 7, 12, 13, 20, 21, 22}
    _write(empty_db, 24, set(range(24)) - idle, {})
    tables = assess_tables(empty_db, Filters(), ModelParams(), book)
    (e,) = tables.idle.rows
    price = book.price("sagemaker-endpoint", f"instance/{TYPE}", "us-east-1").usd
    assert (e.hours, e.idle_hours) == (24, 10)
    assert e.instance_hours == pytest.approx(24) and e.idle_instance_hours == pytest.approx(10)
    assert e.hour_usd == pytest.approx(price)
    assert e.idle_usd == pytest.approx(10 * price)
    assert e.idle_usd_per_month == pytest.approx(10 * price * MONTH_HOURS / 24)
    assert tables.idle.idle_usd_per_month == pytest.approx(e.idle_usd_per_month)
    # today's hosting line is the same instance-hours, scaled to the month
    assert e.today_usd == pytest.approx(24 * price * MONTH_HOURS / 24)
    # 360 requests of 50 ms an hour in 14 hours: 252 request-seconds over 86,400 instance-seconds
    assert e.in_flight == pytest.approx(14 * 360 * 0.05 / 86_400)
    assert tables.estate.row(EP.resource_id).idle_hours == pytest.approx(10)


def test_idle_hours_count_the_instances_that_ran_in_them(empty_db: Path, book) -> None:
    """Two instances in two of the idle hours: 12 idle instance-hours of 26, not 10 of 24."""
    idle = {3, 4, 5, 6, 7, 12, 13, 20, 21, 22}
    _write(empty_db, 24, set(range(24)) - idle, {4: 2.0, 21: 2.0})
    (e,) = assess_tables(empty_db, Filters(), ModelParams(), book).idle.rows
    price = book.price("sagemaker-endpoint", f"instance/{TYPE}", "us-east-1").usd
    assert e.instance_hours == pytest.approx(26) and e.idle_instance_hours == pytest.approx(12)
    assert e.idle_usd == pytest.approx(12 * price)


def test_a_schedule_switches_off_the_hours_idle_in_every_week(empty_db: Path, book) -> None:
    """15 days with requests 09:00-17:59 UTC only: every other hour of the week is idle in both weeks seen, so
    the schedule is off 168 - 7 x 9 = 105 hours a week and saves the 15 x 15 night instance-hours, as a month."""
    days = 15
    busy = {d * 24 + h for d in range(days) for h in range(9, 18)}
    _write(empty_db, days * 24, busy, {})
    (e,) = assess_tables(empty_db, Filters(), ModelParams(), book).idle.rows
    price = book.price("sagemaker-endpoint", f"instance/{TYPE}", "us-east-1").usd
    schedule = next(s for s in e.savings if s.what == "schedule")
    assert "105 hours of the week" in schedule.label
    assert e.idle_hours == days * 15
    assert schedule.saving_usd == pytest.approx(days * 15 * price * MONTH_HOURS / (days * 24))
    assert schedule.monthly_usd == pytest.approx(e.today_usd - schedule.saving_usd)
    # every idle hour is in the timetable: it recovers exactly the dollars paid in hours with no traffic
    assert schedule.saving_usd == pytest.approx(e.idle_usd_per_month) and schedule.recovers == "hours with no traffic"


def test_one_week_is_not_a_schedule(empty_db: Path, book) -> None:
    busy = {d * 24 + h for d in range(7) for h in range(9, 18)}
    _write(empty_db, 7 * 24, busy, {})
    (e,) = assess_tables(empty_db, Filters(), ModelParams(), book).idle.rows
    schedule = next(s for s in e.savings if s.what == "schedule")
    assert schedule.saving_usd is None and e.idle_hours == 7 * 15


def test_unused_capacity_is_the_idle_hours_and_the_idle_share_of_the_busy_ones(empty_db: Path, book) -> None:
    """14 busy hours, 7 at 10 % CPU and 7 at 30 % (one of them on 2 instances), 10 idle hours at 3 %: unused
    are the 10 idle instance-hours plus 7 × 0.9 + 6 × 0.7 + 2 × 0.7 busy ones = 21.9 of 25."""
    idle = {3, 4, 5, 6, 7, 12, 13, 20, 21, 22}
    busy = sorted(set(range(24)) - idle)
    cpu = {h: 3.0 for h in idle} | {h: 10.0 for h in busy[:7]} | {h: 30.0 for h in busy[7:]}
    _write(empty_db, 24, set(busy), {busy[-1]: 2.0}, cpu)
    tables = assess_tables(empty_db, Filters(), ModelParams(), book)
    (e,) = tables.idle.rows
    price = book.price("sagemaker-endpoint", f"instance/{TYPE}", "us-east-1").usd
    month = MONTH_HOURS / 24
    assert e.instance_hours == pytest.approx(25) and e.idle_instance_hours == pytest.approx(10)
    assert e.unused_instance_hours == pytest.approx(10 + 7 * 0.9 + 6 * 0.7 + 2 * 0.7)
    assert e.busy_cpu_pct == pytest.approx(20.0)  # the busy hours' CPU, by time
    assert e.unused_usd == pytest.approx(21.9 * price)
    assert e.unused_usd_per_month == pytest.approx(21.9 * price * month)
    assert e.idle_usd_per_month == pytest.approx(10 * price * month)
    t = tables.idle
    assert t.unused_usd_per_month == pytest.approx(e.unused_usd_per_month) and t.unused_known == 1
    assert t.unused_share == pytest.approx(21.9 / 25, rel=1e-4)  # of today's 25 instance-hours (cents rounded)
    assert t.idle_share == pytest.approx(10 / 25, rel=1e-4)
    recovers = {s.what: s.recovers for s in e.savings}
    assert recovers["schedule"] == "hours with no traffic"
    assert all(recovers[w].startswith("hours with no traffic and") for w in ("scale to zero", "serverless")
               if w in recovers)  # fmt: skip


def test_without_cpu_the_unused_capacity_is_unknown_not_guessed(empty_db: Path, book) -> None:
    _write(empty_db, 24, set(range(12)), {})
    tables = assess_tables(empty_db, Filters(), ModelParams(), book)
    (e,) = tables.idle.rows
    assert e.unused_usd_per_month is None and e.unused_instance_hours is None
    assert any("no CPU metric" in n for n in e.notes)
    assert tables.idle.unused_known == 0 and tables.idle.unused_share is None
    assert tables.idle.idle_share == pytest.approx(12 / 24, rel=1e-4)


def test_an_endpoint_idle_every_hour_leaves_all_its_capacity_unused_without_cpu(empty_db: Path, book) -> None:
    _write(empty_db, 24, set(), {})
    (e,) = assess_tables(empty_db, Filters(), ModelParams(), book).idle.rows
    assert e.unused_instance_hours == pytest.approx(24) == e.idle_instance_hours
