"""The Costs page's savings figure: hover values as money, a missing best option in words, names inert."""

from __future__ import annotations

import pandas as pd

from charts.costs import savings_figure


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
