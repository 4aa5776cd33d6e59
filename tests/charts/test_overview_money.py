"""The Overview's money and per-resource traffic shaping: tables and figures from known inputs."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analysis.window_spend import Spend, SpendRow
from charts.overview import by_resource, resource_traffic_figure
from charts.overview_money import spend_figure, spend_frame

T = datetime(2026, 1, 1)
HOSTILE = "<b>acct</b> & co"


def spend() -> Spend:
    rows = (
        SpendRow("account", "a", "a", 10.0, 1.0, 300.0, 2),
        SpendRow("account", HOSTILE, HOSTILE, 1200.5, 40.25, 36_000.0, 1),
        SpendRow("account", "z", "z", 10.0, 0.0, -0.001, 1),
        SpendRow("pattern", "faas", "FaaS", 1220.5, 41.25, 36_300.0, 4),
    )
    return Spend(1220.5, 41.25, 36_300.0, 20_000.0, "2026-01-01", "2026-01-02T00:00:00Z", rows)


def test_the_spend_table_is_one_group_largest_first_ties_by_name() -> None:
    frame = spend_frame(spend(), "account")
    assert list(frame["label"]) == [HOSTILE, "a", "z"]
    assert list(frame["window_usd"]) == [1200.5, 10.0, 10.0]
    assert list(spend_frame(spend(), "pattern")["label"]) == ["FaaS"]


def test_the_spend_figure_escapes_names_and_writes_money_as_money() -> None:
    fig = spend_figure(spend_frame(spend(), "account"), "account")
    window, run_rate = fig.data
    assert tuple(window.y)[:1] == ("&lt;b&gt;acct&lt;/b&gt; &amp; co",)
    assert list(window.customdata) == ["$1,200.50", "$10.00", "$10.00"]
    assert list(run_rate.customdata)[2] == "$0.00"  # a rounding crumb never reads "$-0.00"
    assert "account / project" in fig.layout.title.text and "USD" in fig.layout.title.text


def _rolled(*rows: tuple[str, datetime, float]) -> pd.DataFrame:
    base = {"errors": 0.0, "cold_starts": None, "duration_ms_p50": None, "duration_ms_p99": None, "period_s": 3600}
    return pd.DataFrame(
        [{**base, "resource_id": r, "service": "lambda", "bucket_start": t, "invocations": n} for r, t, n in rows]
    )


def test_traffic_per_resource_keeps_the_busiest_and_adds_up_the_rest() -> None:
    later = datetime(2026, 1, 1, 1)
    rolled = _rolled(
        ("big", T, 6000.0), ("big", later, 6000.0),
        ("mid", T, 600.0), ("small", T, 60.0), ("tiny", later, 120.0), ("dup", T, 1200.0),
    )  # fmt: skip
    inventory = pd.DataFrame(
        [
            {"resource_id": "big", "name": "<script>", "service": "lambda", "account": "1"},
            {"resource_id": "mid", "name": "twin", "service": "lambda", "account": "1"},
            {"resource_id": "dup", "name": "twin", "service": "lambda", "account": "2"},
            {"resource_id": "small", "name": "small", "service": "lambda", "account": "1"},
            {"resource_id": "tiny", "name": "tiny", "service": "lambda", "account": "1"},
        ]
    )
    out = by_resource(rolled, inventory, 3600, top=3)
    series = list(dict.fromkeys(out["series"]))
    assert series == [
        "&lt;script&gt; (AWS Lambda)",
        "twin (AWS Lambda), 2",  # a repeated label names its account
        "twin (AWS Lambda), 1",
        "all others (2 resources)",
    ]
    rates = out.set_index(["series", "bucket_start"])["requests_per_min"]
    assert rates[("&lt;script&gt; (AWS Lambda)", T)] == pytest.approx(100.0)  # 6,000 in an hour
    assert rates[("all others (2 resources)", T)] == pytest.approx(1.0)  # small: 60 in an hour
    assert rates[("all others (2 resources)", later)] == pytest.approx(2.0)  # tiny: 120 in an hour
    fig = resource_traffic_figure(out, 3600)
    assert "hourly" in fig.layout.title.text and fig.layout.yaxis.title.text == "requests per minute"
    assert len(fig.data) == 4


def test_traffic_per_resource_of_nothing_is_empty() -> None:
    assert by_resource(pd.DataFrame(), pd.DataFrame(), 3600).empty
