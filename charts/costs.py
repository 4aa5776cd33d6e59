"""Tables and figures for the Costs & alternatives page (built from ``analysis`` results, no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis.verdict import Verdict, label
from charts.overview import SERVICE_LABELS
from charts.text import plot_text
from pricing import AlternativeResult, BreakEvenResult, CostLine

CONFIDENCE_MARK = {"verified": "✓ verified", "third-party": "◐ third-party", "unconfirmed": "⚠ unconfirmed"}


def summary_frame(verdicts: Iterable[Verdict]) -> pd.DataFrame:
    """One row per resource: today's monthly cost, the best feasible alternative, the saving, the verdict."""
    rows = []
    for v in verdicts:
        best = v.best
        rows.append(
            {
                "resource_id": v.usage.resource_id,
                "name": v.usage.name + (" ⚠" if v.current.incomplete else ""),
                "service": SERVICE_LABELS.get(v.usage.service, v.usage.service),
                "region": v.usage.region,
                "current_usd": v.current.monthly_usd,
                "best_alternative": label(best) if best else "—",
                "best_usd": best.monthly_usd if best else None,
                "saving_usd": v.saving_usd,
                "verdict": v.summary,
                "move": v.summary.startswith("move"),
                "incomplete": v.current.incomplete,
            }
        )
    return pd.DataFrame(rows)


def lines_frame(lines: Sequence[CostLine]) -> pd.DataFrame:
    """Cost lines with their provenance, as a bill reader wants to check them."""
    return pd.DataFrame(
        [
            {
                "item": line.item,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price_usd": line.unit_price_usd,
                "usd": line.usd,
                "list_usd": line.list_usd,
                "confidence": CONFIDENCE_MARK.get(line.source.confidence, line.source.confidence),
                "retrieved": line.source.retrieved,
                "source": line.source.url,
                "adjustment": line.source.adjustment,
            }
            for line in lines
        ],
        columns=[
            "item",
            "quantity",
            "unit",
            "unit_price_usd",
            "usd",
            "list_usd",
            "confidence",
            "retrieved",
            "source",
            "adjustment",
        ],
    )


def assumptions_frame(result: AlternativeResult | BreakEvenResult) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"assumption": a.name, "value": _show(a.value), "unit": a.unit, "why": a.explanation}
            for a in result.assumptions
        ],
        columns=["assumption", "value", "unit", "why"],
    )


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def savings_figure(summary: pd.DataFrame, top: int = 15) -> go.Figure:
    """Today's cost next to the best feasible alternative, for the most expensive resources."""
    data = summary.dropna(subset=["current_usd"]).sort_values("current_usd", ascending=False).head(top)
    names = data["name"].map(plot_text)  # resource names come from the data: inert in ticks and hover
    fig = go.Figure()
    fig.add_bar(y=names, x=data["current_usd"], name="today", orientation="h", marker_color="#7f7f7f")
    fig.add_bar(
        y=names,
        x=data["best_usd"],
        name="best feasible alternative",
        orientation="h",
        marker_color="#2ca02c",
        customdata=data["best_alternative"].map(plot_text),
        hovertemplate="%{y}: $%{x:,.2f}/month (%{customdata})<extra></extra>",
    )
    fig.update_layout(
        barmode="group",
        title="Monthly cost today vs the cheapest feasible alternative",
        xaxis_title="USD per month (730 h)",
        yaxis={"autorange": "reversed"},
        height=40 + 28 * len(data) + 120,
        margin={"t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def hybrid_figure(result: AlternativeResult) -> go.Figure:
    """The hybrid cost curve: endpoint and FaaS parts for k = 0..K always-on instances."""
    curve = pd.DataFrame(result.details.get("curve", []))
    fig = go.Figure()
    if curve.empty:
        return fig
    fig.add_bar(x=curve["always_on"], y=curve["endpoint_usd"], name="always-on endpoint")
    fig.add_bar(x=curve["always_on"], y=curve["faas_usd"], name="FaaS overflow")
    best = result.details.get("best_always_on")
    if best is not None:
        total = float(curve.loc[curve["always_on"] == best, "total_usd"].iloc[0])
        fig.add_annotation(x=best, y=total, text=f"cheapest: k = {best}", showarrow=True, arrowhead=2)
    fig.update_layout(
        barmode="stack",
        title="Hybrid: cost by number of always-on instances (k)",
        xaxis_title="always-on instances k",
        yaxis_title="USD per month",
        height=360,
        margin={"t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def break_even_figure(
    result: BreakEvenResult, current_requests: float | None, faas_name: str, endpoint_name: str
) -> go.Figure:
    """FaaS and endpoint cost against monthly requests; where they cross and where the resource is today."""
    curve = pd.DataFrame(result.curve)
    fig = go.Figure()
    # the names carry an instance type that may come from an imported file
    fig.add_scatter(x=curve["requests_per_month"], y=curve["faas_usd"], name=plot_text(faas_name), mode="lines")
    fig.add_scatter(x=curve["requests_per_month"], y=curve["endpoint_usd"], name=plot_text(endpoint_name), mode="lines")
    if result.requests_per_month is not None:
        fig.add_scatter(
            x=[result.requests_per_month],
            y=[result.endpoint_monthly_usd],
            mode="markers+text",
            name="break-even",
            text=[f"break-even {result.requests_per_month / 1e6:,.1f} M/month"],
            textposition="top left",
            marker={"size": 11, "color": "#d62728"},
        )
    if current_requests is not None:
        fig.add_vline(x=current_requests, line_dash="dot", annotation_text="today", annotation_position="top")
    fig.update_layout(
        title="Break-even: monthly cost against monthly requests",
        xaxis_title="requests per month",
        yaxis_title="USD per month",
        height=380,
        margin={"t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
