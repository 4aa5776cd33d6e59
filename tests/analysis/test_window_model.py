"""``analysis.window_model``: the Overview's two modelled figures for a window (the Money section's
``window_spend`` and the spend line's ``current_model``) come from one pass of today's cost model, and keep
their own definitions: checked against today's model priced from one read of the demo (no groups, no memo),
and against each other by the stated relation (the window's dollars scale each segment's total rounded to the
cent, the spend line's each line's exact dollars)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analysis import window_model as wm
from analysis.estate import assess_estate, today_by_segment
from analysis.inputs import segments
from analysis.params import ModelParams
from analysis.reconcile_model import current_model
from analysis.window_spend import estate_spend
from common.units import MONTH_SECONDS
from pricing import load_price_book
from store import queries as q
from tests.analysis.test_chunked import SOME


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


@pytest.fixture(autouse=True)
def nothing_kept() -> None:
    wm._kept.clear()


def _one_read(path: Path, filters: q.Filters, book) -> list:
    panels = q.usage_panels(path, filters)
    segs = [seg for per in segments(panels) for seg in per]
    return [(panels.resources[s.resource]["resource_id"], s, c, secs) for s, c, secs in today_by_segment(
        panels, segs, book, ModelParams()
    )]  # fmt: skip


def test_both_figures_are_todays_model_and_differ_only_by_the_cents_rounding(demo_db_template: Path, book) -> None:
    priced = _one_read(demo_db_template, SOME, book)
    assert priced
    window = estate_spend(demo_db_template, SOME, assess_estate(demo_db_template, SOME, ModelParams(), book), book)
    modelled = current_model(demo_db_template, book, SOME)(SOME.start, SOME.end)
    for resource_id in {rid for rid, *_ in priced}:
        mine = [(cost, secs) for rid, _, cost, secs in priced if rid == resource_id]
        rounded = sum(cost.monthly_usd * secs / MONTH_SECONDS for cost, secs in mine)
        exact = sum(line.usd_exact * secs / MONTH_SECONDS for cost, secs in mine for line in cost.estimate.lines)
        lines = sum(len(cost.estimate.lines) for cost, _ in mine)
        assert modelled[resource_id].usd == pytest.approx(exact, rel=1e-12, abs=1e-12)
        # the window's rows add these per group; the relation per resource, stated in the module docstring
        assert abs(rounded - exact) <= 0.005 * lines * max(secs for _, secs in mine) / MONTH_SECONDS + 1e-12
    assert window.window_usd == pytest.approx(
        sum(c.monthly_usd * secs / MONTH_SECONDS for _, _, c, secs in priced), rel=1e-12
    )
    assert sum(m.usd for m in modelled.values()) == pytest.approx(
        sum(line.usd_exact * secs / MONTH_SECONDS for _, _, c, secs in priced for line in c.estimate.lines), rel=1e-12
    )


def test_the_second_figure_reads_the_first_ones_pass(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = assess_estate(demo_db_template, SOME, ModelParams(), book)
    reads: list[q.Filters] = []
    real = q.usage_panels
    monkeypatch.setattr(q, "usage_panels", lambda path, f: reads.append(f) or real(path, f))

    def of_the_window() -> int:  # the window's own reads (the month to date, read apart here, is not one)
        return sum(f.window() == SOME.window() for f in reads)

    modelled = current_model(demo_db_template, book, SOME)(SOME.start, SOME.end)
    first = of_the_window()
    assert first >= 1
    estate_spend(demo_db_template, SOME, estate, book)
    assert of_the_window() == first  # the spend's pass was the spend line's
    assert current_model(demo_db_template, book, SOME)(SOME.start, SOME.end) == modelled
    other = load_price_book(use_env=False)  # another book with equal prices is the same pass
    assert current_model(demo_db_template, other, SOME)(SOME.start, SOME.end) == modelled
    assert of_the_window() == first
    current_model(demo_db_template, book, SOME, free_tier=True)(SOME.start, SOME.end)
    assert of_the_window() > first


def test_another_window_is_another_pass(demo_db_template: Path, book) -> None:
    one = wm.window_model(demo_db_template, SOME, book)
    shorter = wm.window_model(demo_db_template, q.Filters(start=date(2026, 11, 28), end=date(2026, 11, 28),
                                                         resource_ids=SOME.resource_ids), book)  # fmt: skip
    assert shorter is not one and sum(shorter.window.values()) < sum(one.window.values())
    assert wm.window_model(demo_db_template, SOME, book) is one
