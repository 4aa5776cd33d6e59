"""The Overview's money: spend by group as a table and a chart, from ``analysis.window_spend`` (no sums here).

Money columns stay numbers (the page formats them as dollars); hover texts are written with
``charts.format.money`` so they read "$1,204.50", never "$-0.00" or "1204.5".
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.window_spend import Spend
from charts.format import money
from charts.text import plot_text

GROUP_LABELS = {"pattern": "pattern", "service": "service", "account": "account / project"}
SPEND_COLUMNS = ["label", "resources", "window_usd", "mtd_usd", "run_rate_usd"]


def spend_frame(spend: Spend, group: str) -> pd.DataFrame:
    """One row per pattern, service or account: spent in the window, month to date, run-rate per month."""
    rows = [
        {
            "label": row.label,
            "resources": row.resources,
            "window_usd": row.window_usd,
            "mtd_usd": row.mtd_usd,
            "run_rate_usd": row.run_rate_usd,
        }
        for row in spend.group(group)
    ]
    frame = pd.DataFrame(rows, columns=SPEND_COLUMNS)
    return frame.sort_values(["window_usd", "label"], ascending=[False, True], ignore_index=True)


def spend_figure(frame: pd.DataFrame, group: str) -> go.Figure:
    """Dollars spent in the window next to the monthly run-rate, per group (largest first)."""
    names = frame["label"].map(plot_text)  # account names come from the data: inert in ticks and hover
    fig = go.Figure()
    for column, name, color in (
        ("window_usd", "spent in the window", "#1f77b4"),
        ("run_rate_usd", "run-rate per month (730 h)", "#7f7f7f"),
    ):
        fig.add_bar(
            y=names,
            x=frame[column],
            name=name,
            orientation="h",
            marker_color=color,
            customdata=frame[column].map(money),
            hovertemplate="%{y}: %{customdata}<extra>" + name + "</extra>",
        )
    fig.update_layout(
        barmode="group",
        title=f"Spend by {GROUP_LABELS.get(group, group)}: the window and the monthly run-rate (USD)",
        xaxis_title="USD",
        yaxis={"autorange": "reversed"},
        height=170 + 44 * len(frame),
        margin={"t": 50, "b": 70},
        legend={"orientation": "h", "yanchor": "top", "y": -0.35, "x": 0},
    )
    return fig
