"""Snapshots to instances_avg / provisioned_concurrency: the rules in collectors/timeline.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from collectors.source import Window
from collectors.timeline import timeline_rows
from store.snapshots import ABSENT, EndpointSnapshot

T0 = datetime(2026, 11, 28, 10, 0)


def snap(minutes: int, count: int | None, status: str = "InService", modified: int | None = None) -> EndpointSnapshot:
    lm = T0 + timedelta(minutes=modified) if modified is not None else None
    return EndpointSnapshot("r", T0 + timedelta(minutes=minutes), status, count, None, lm, "t")


def values(snaps, start_min=-60, end_min=180, period_s=3600):
    win = Window(T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min), period_s)
    return {(r[2] - T0).total_seconds() / 60: r[4] for r in timeline_rows("r", snaps, [win], "instances_avg", "t")}


def test_known_back_to_last_modified_and_not_before():
    # Observed at 10:00 with 2 instances, last modified 09:00: known from 09:00 on, nothing earlier.
    assert values([snap(0, 2, modified=-60), snap(120, 2)]) == {-60: 2.0, 0: 2.0, 60: 2.0}


def test_a_change_is_placed_at_last_modified_when_it_falls_between_observations():
    got = values([snap(0, 2, modified=0), snap(120, 4, modified=90)], start_min=0, end_min=120)
    assert got == {0: 2.0, 60: 2.0 * 0.5 + 4.0 * 0.5}


def test_a_change_without_timestamp_is_placed_at_the_later_observation():
    got = values([snap(0, 2, modified=0), snap(120, 4, modified=-600)], start_min=0, end_min=120)
    assert got == {0: 2.0, 60: 2.0}


def test_deletion_counts_until_the_run_that_found_it_gone():
    got = values([snap(0, 3, modified=0), snap(90, 0, ABSENT)], start_min=0, end_min=120, period_s=1800)
    assert got == {0: 3.0, 30: 3.0, 60: 3.0}  # 90-120 is after the last observation: unknown


def test_periods_after_the_last_observation_are_unknown():
    assert values([snap(0, 1, modified=0)], start_min=0, end_min=120) == {}
