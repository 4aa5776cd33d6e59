"""Tables and figures for the What-if page, from ``analysis.whatif``'s comparisons (no Streamlit, no sums).

Baseline and what-if side by side: every table cell is a string formatted by ``charts.format`` (money with its
sign, counts rounded, "—" for unknown), every bar's hover names both figures.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.whatif import Change, EstateComparison, ResourceComparison
from charts.format import count, duration_ms, money, percent
from charts.overview import SERVICE_LABELS
from charts.text import plot_text
from common.services import PATTERN_LABELS

BELOW = {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}
BASE_COLOR, WHAT_IF_COLOR = "#7f7f7f", "#1f77b4"


def _money_cells(change: Change, prefix: str) -> dict[str, str]:
    return {
        f"{prefix}_base": money(change.base),
        f"{prefix}_what_if": money(change.what_if),
        f"{prefix}_change": money(change.delta, signed=True),
    }


ESTATE_COLUMNS = [
    "resource",
    "service",
    "today_base",
    "today_what_if",
    "today_change",
    "recommended_base",
    "recommended_what_if",
    "recommended_change",
    "cold_starts_base",
    "cold_starts_what_if",
    "action",
]


def estate_frame(cmp: EstateComparison) -> pd.DataFrame:
    """One row per resource: today's and the recommended monthly cost, cold starts and the action, both sides."""
    rows = []
    for r in cmp.rows:
        action = r.action_base if r.action_base == r.action_what_if else f"{r.action_base} → {r.action_what_if}"
        rows.append(
            {
                "resource": r.name,
                "service": SERVICE_LABELS.get(r.service, r.service),
                **_money_cells(r.today_usd, "today"),
                **_money_cells(r.best_usd, "recommended"),
                "cold_starts_base": count(r.cold_starts_per_month.base),
                "cold_starts_what_if": count(r.cold_starts_per_month.what_if),
                "action": action,
            }
        )
    return pd.DataFrame(rows, columns=ESTATE_COLUMNS)


PATTERN_COLUMNS = [
    "option",
    "monthly_base",
    "monthly_what_if",
    "monthly_change",
    "change_share",
    "cold_starts_base",
    "cold_starts_what_if",
    "latency_base",
    "latency_what_if",
    "p99_base",
    "p99_what_if",
    "feasible",
]


def patterns_frame(cmp: ResourceComparison) -> pd.DataFrame:
    """Today and every option of the resource: cost, cold starts and latency before and after."""
    rows = []
    for p in cmp.patterns:
        label = p.label if p.label == p.base_label else f"{p.label} (was {p.base_label})"
        if p.feasible_what_if:
            feasible = "yes" if p.feasible_base else "yes (not before)"
        else:
            feasible = f"no: {p.reason}" if p.reason else "no"
        rows.append(
            {
                "option": label,
                **_money_cells(p.monthly_usd, "monthly"),
                "change_share": percent(p.monthly_usd.share, signed=True),
                "cold_starts_base": count(p.cold_starts_per_month.base),
                "cold_starts_what_if": count(p.cold_starts_per_month.what_if),
                "latency_base": duration_ms(p.latency_mean_ms.base),
                "latency_what_if": duration_ms(p.latency_mean_ms.what_if),
                "p99_base": duration_ms(p.latency_p99_ms.base),
                "p99_what_if": duration_ms(p.latency_p99_ms.what_if),
                "feasible": feasible,
            }
        )
    return pd.DataFrame(rows, columns=PATTERN_COLUMNS)


def _pair(fig: go.Figure, labels: list[str], base: list[Change], unit: str) -> None:
    for side, color, values in (
        ("baseline", BASE_COLOR, [c.base for c in base]),
        ("what-if", WHAT_IF_COLOR, [c.what_if for c in base]),
    ):
        fig.add_bar(
            y=labels,
            x=[v if v is not None else None for v in values],
            name=side,
            orientation="h",
            marker_color=color,
            customdata=[f"{money(v)}{unit}" for v in values],
            hovertemplate="%{y}: %{customdata}<extra>%{fullData.name}</extra>",
        )


def patterns_figure(cmp: ResourceComparison) -> go.Figure:
    """Monthly cost of today and every option, baseline against what-if (infeasible options have no bar)."""
    labels = [plot_text(p.label) for p in cmp.patterns]
    fig = go.Figure()
    _pair(fig, labels, [p.monthly_usd for p in cmp.patterns], "/month")
    fig.update_layout(
        barmode="group",
        title=f"{plot_text(cmp.name)}: monthly cost per pattern, baseline vs what-if",
        xaxis_title="USD per month (730 h)",
        yaxis={"autorange": "reversed"},
        height=140 + 44 * len(labels),
        margin={"t": 50, "b": 10},
        legend=BELOW,
    )
    return fig


def estate_figure(cmp: EstateComparison) -> go.Figure:
    """The estate's cost today by the pattern each resource is on, and the recommended total, both sides."""
    labels = [PATTERN_LABELS.get(p, plot_text(p)) for p, _ in cmp.by_pattern] + ["estate, today", "estate, recommended"]
    changes = [c for _, c in cmp.by_pattern] + [cmp.today_usd, cmp.recommended_usd]
    fig = go.Figure()
    _pair(fig, labels, changes, "/month")
    fig.update_layout(
        barmode="group",
        title="The estate's monthly cost by today's pattern, baseline vs what-if",
        xaxis_title="USD per month (730 h)",
        yaxis={"autorange": "reversed"},
        height=160 + 44 * len(labels),
        margin={"t": 50, "b": 10},
        legend=BELOW,
    )
    return fig
