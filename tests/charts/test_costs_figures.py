"""The Costs page's savings figure: hover values as money, a missing best option in words, names inert."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.prices import Line
from charts.costs import (
    LINE_COLUMNS,
    fixes_frame,
    latency_frame,
    lines_display,
    option_heading,
    savings_figure,
    summary_display,
)
from tests.charts.resource_fixtures import detail


def test_both_bars_hover_as_money_and_a_missing_best_says_so() -> None:
    summary = pd.DataFrame(
        {
            "name": ["fraud-score", "idle <b>ep</b>"],
            "current_usd": [231.8234, 1_100.5],
            "best_usd": [115.48, float("nan")],
            "best_option": ["Hybrid: 1 × ml.c5.large + Lambda", None],
        }
    )
    fig = savings_figure(summary)
    today, best = fig.data
    assert list(today.customdata) == ["$1,100.50/month", "$231.82/month"]  # the dearest first
    assert best.customdata[1] == "$115.48/month (Hybrid: 1 × ml.c5.large + Lambda)"
    assert best.customdata[0] == "none cheaper than today"
    assert "<b>" not in today.y[0] and all("%{customdata}" in t.hovertemplate for t in fig.data)
    assert fig.layout.title.text and fig.layout.xaxis.title.text == "USD per month (730 h)"


def test_cost_lines_read_as_people_read_them() -> None:
    """145004.1358 requests → 145,004; $0.0000166667 per GB-second is not 1.66667e-05; 0.004167 GB-months is not
    0; a credit keeps its sign before the dollar."""
    lines = [
        Line("Requests", 145_004.1358, "requests", 0.0000002, 0.029, 0.029, "verified", "2026-11-01", "u", "k"),
        Line("Duration", 5_000.5, "GB-s", 0.0000166667, 0.0833, 0.0833, "verified", "2026-11-01", "u", "k"),
        Line("Storage", 0.004167, "GB-mo", 0.10, 0.0004, 0.0004, "unconfirmed", "2026-11-01", "u", "k"),
        Line("Free tier", 1.0, "credit", -293.46, -293.46, -293.46, "verified", "2026-11-01", "u", "k"),
    ]
    frame = lines_display(lines)
    assert list(frame["quantity"]) == ["145,004", "5,000", "0.004167", "1"]
    assert list(frame["unit_price"])[:2] == ["$0.0000002", "$0.00001667"]
    assert list(frame["usd"]) == ["$0.03", "$0.08", "$0.00", "−$293.46"]
    assert list(frame["adjustment"]) == ["—"] * 4 and list(frame.columns) == list(LINE_COLUMNS)


def test_the_costs_table_says_none_cheaper_with_a_dash() -> None:
    summary = pd.DataFrame(
        {
            "name": ["fraud-score", "idle"], "service": ["AWS Lambda"] * 2, "region": ["us-east-1"] * 2,
            "current_usd": [231.8234, 100.0], "cold_starts": [11_882.78, None],
            "best_option": ["Hybrid", "—"], "best_usd": [115.48, float("nan")], "saving_usd": [116.34, None],
            "action": ["move", "keep"], "verdict": ["move", "keep"],
        }
    )  # fmt: skip
    shown = summary_display(summary).to_dict("records")
    assert shown[0]["current_usd"] == "$231.82" and shown[0]["cold_starts"] == "11,883"
    assert shown[0]["saving_usd"] == "+$116.34" and shown[1]["best_usd"] == "—" == shown[1]["saving_usd"]
    assert shown[1]["cold_starts"] == "—"


def test_latency_and_fixes_show_dashes_and_signed_money_not_none() -> None:
    d = detail()
    d = replace(d, cold_starts=replace(d.cold_starts, fixes=(("Lambda + provisioned concurrency 22", 73.74, 10.7),
                                                             ("an endpoint", -116.34, 0.0))))  # fmt: skip
    latency = latency_frame(d).set_index("pattern")
    assert latency.loc["today"].to_dict() == {"mean_ms": "—", "added_by_cold_starts_ms": "0.02 ms", "p99_ms": "—"}
    endpoint = next(o for o in d.options if o.latency_mean_ms == 22.7)
    assert latency.loc[endpoint.row.label, ["mean_ms", "p99_ms"]].tolist() == ["23 ms", "39 ms"]
    fixes = fixes_frame(d).to_dict("records")
    assert [f["extra_usd"] for f in fixes] == ["+$73.74", "−$116.34"]
    assert [f["cold_starts_left"] for f in fixes] == ["11", "0"]


def test_an_options_heading_says_how_much_dearer_it_is() -> None:
    from analysis.types import OptionRow

    base = OptionRow("SageMaker endpoint, 1 × ml.c5.xlarge", "sagemaker-endpoint", "endpoint", 812.4, True, "", 0, 1)
    assert option_heading(replace(base, saving_usd=-120.0)) == ("$812.40/mo", " — dearer than today by $120.00")
    assert option_heading(replace(base, saving_usd=35.5)) == ("$812.40/mo", "")
    assert option_heading(replace(base, feasible=False, monthly_usd=None)) == ("not priced", " — infeasible")
