"""Formatting rules from issue 12: money with a sign, "—" for none, counts rounded for people."""

from __future__ import annotations

import math
import re

import pytest

from charts.format import MISSING, compact, count, duration_ms, money, percent, unit_price


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (-293.46, {}, "−$293.46"),
        (-293.456, {}, "−$293.46"),
        (1204.5, {}, "$1,204.50"),
        (0.0, {}, "$0.00"),
        (-0.001, {}, "$0.00"),
        (61.0, {"signed": True}, "+$61.00"),
        (-61.0, {"signed": True}, "−$61.00"),
        (12345.6, {"cents": False}, "$12,346"),
        (None, {}, MISSING),
        (math.nan, {}, MISSING),
        (math.inf, {}, MISSING),
    ],
)
def test_money(value, kwargs, expected):
    assert money(value, **kwargs) == expected
    assert "$-" not in money(value, **kwargs)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.0000166667, "GB-s", "$0.00001667 per GB-s"),
        (0.20, "1M requests", "$0.20 per 1M requests"),
        (0.0000002, "", "$0.0000002"),
        (1.2, "instance-hour", "$1.20 per instance-hour"),
        (0, "", "$0"),
        (None, "GB-s", MISSING),
    ],
)
def test_unit_prices_never_use_scientific_notation(value, unit, expected):
    text = unit_price(value, unit)
    assert text == expected
    assert not re.search(r"\de-?\d", text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(145004.1358, "145,004"), (2.5, "2.5"), (3.0, "3"), (0, "0"), (-0.2, "−0.2"), (-1234.4, "−1,234"), (None, "—")],
)
def test_counts(value, expected):
    assert count(value) == expected


def test_counts_with_units_and_compact_headlines():
    assert count(12, "requests") == "12 requests"
    assert compact(1_234_567) == "1.23 M"
    assert compact(38_400) == "38.4 k"
    assert compact(-2_500) == "−2.50 k"
    assert compact(812) == "812"
    assert compact(None) == MISSING


@pytest.mark.parametrize(
    ("share", "kwargs", "expected"),
    [(0.61, {}, "61 %"), (0.12, {"signed": True}, "+12 %"), (-0.08, {"signed": True}, "−8 %"), (None, {}, MISSING)],
)
def test_percent(share, kwargs, expected):
    assert percent(share, **kwargs) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (84.2, "84 ms"),
        (1250, "1.25 s"),
        (2000, "2 s"),
        (1500, "1.5 s"),
        (126_000, "2.1 min"),
        (3.25, "3.2 ms"),
        (None, MISSING),
    ],
)
def test_durations(ms, expected):
    assert duration_ms(ms) == expected


def test_the_sources_pages_api_cost_is_money_and_none_is_a_dash() -> None:
    import pandas as pd

    from charts.sources import api_cost

    assert api_cost(pd.DataFrame({"estimated_api_cost_usd": [0.0123, 0.01]})) == "$0.02"
    assert api_cost(pd.DataFrame({"estimated_api_cost_usd": [0.0003, None]})) == "$0.0003"
    assert api_cost(pd.DataFrame({"estimated_api_cost_usd": [None]})) == "—"
