"""The Overview's money and per-resource traffic shaping: tables and figures from known inputs."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analysis.window_spend import Spend, SpendRow
from charts.overview import by_resource, resource_traffic_figure
from charts.overview_money import spend_figure, spend_frame
from store.traffic import TrafficSums

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


def test_traffic_per_resource_labels_the_busiest_and_adds_up_the_rest() -> None:
    """The layout of ``store.traffic``'s busiest-resource sums (their arithmetic: tests/store/test_traffic.py)."""
    later = datetime(2026, 1, 1, 1)
    top = pd.DataFrame(
        [("big", T, 100.0), ("big", later, 100.0), ("dup", T, 20.0), ("mid", T, 10.0)],
        columns=["resource_id", "bucket_start", "requests_per_min"],
    )
    others = pd.DataFrame([(T, 1.0), (later, 2.0)], columns=["bucket_start", "requests_per_min"])
    sums = TrafficSums(pd.DataFrame(), pd.DataFrame(), ("big", "dup", "mid"), top, others, 2)
    inventory = pd.DataFrame(
        [
            {"resource_id": "big", "name": "<script>", "service": "lambda", "account": "1"},
            {"resource_id": "mid", "name": "twin", "service": "lambda", "account": "1"},
            {"resource_id": "dup", "name": "twin", "service": "lambda", "account": "2"},
            {"resource_id": "small", "name": "small", "service": "lambda", "account": "1"},
            {"resource_id": "tiny", "name": "tiny", "service": "lambda", "account": "1"},
        ]
    )
    out = by_resource(sums, inventory)
    series = list(dict.fromkeys(out["series"]))
    assert series == [
        "&lt;script&gt; (AWS Lambda)",
        "twin (AWS Lambda), 2",  # a repeated label names its account
        "twin (AWS Lambda), 1",
        "all others (2 resources)",
    ]
    rates = out.set_index(["series", "bucket_start"])["requests_per_min"]
    assert rates[("&lt;script&gt; (AWS Lambda)", T)] == pytest.approx(100.0)
    assert rates[("all others (2 resources)", later)] == pytest.approx(2.0)
    fig = resource_traffic_figure(out, 3600)
    assert "hourly" in fig.layout.title.text and fig.layout.yaxis.title.text == "requests per minute"
    assert len(fig.data) == 4
    alone = TrafficSums(pd.DataFrame(), pd.DataFrame(), ("big",), top[top["resource_id"] == "big"], others[:0], 0)
    assert list(dict.fromkeys(by_resource(alone, inventory)["series"])) == ["&lt;script&gt; (AWS Lambda)"]


def test_traffic_per_resource_of_nothing_is_empty() -> None:
    empty = pd.DataFrame()
    assert by_resource(TrafficSums(empty, empty, (), empty, empty, 0), empty).empty
