"""Shaping and figures for the Overview page (inventory and traffic).

Inputs are ``store.traffic.traffic_sums`` (the window's traffic as sums per service and bucket, per resource
and per busiest resource, aggregated in DuckDB) and the frame ``store.queries.inventory`` returns; outputs are
plain DataFrames and plotly figures. Rates are over each bucket's real span (``store.traffic``), so mixing
hourly history with per-minute recent data never inflates a rate, and idle minutes with no rows count as
zero traffic.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from charts.format import duration_ms
from charts.text import plot_text
from common.services import PATTERN_LABELS, SERVICES

if TYPE_CHECKING:
    from store.traffic import TrafficSums

# Legends under the plot, clear of the time axis and its title: beside it, service × statistic entries took half
# the chart's width.
BELOW = {"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0}

SERVICE_LABELS = {name: s.label for name, s in SERVICES.items()}
SERVICE_ORDER = list(SERVICES)
SERVICE_COLORS = dict(
    zip(SERVICE_ORDER, ["#ff9900", "#1f77b4", "#17becf", "#34a853", "#4285f4", "#a142f4"], strict=True)
)


def choose_bucket_s(start: datetime, end: datetime, finest_period_s: int | None = None) -> int:
    """Chart resolution for a window: per 5 minutes up to 2 days, hourly up to 3 weeks, else daily — but never
    finer than the finest data stored for the window (hourly data over one day is drawn hourly, not as twelve
    equal 5-minute steps titled "5-minute averages")."""
    span_days = (end - start).total_seconds() / 86400
    bucket = 300 if span_days <= 2 else 3600 if span_days <= 21 else 86400
    if finest_period_s:
        bucket = max(bucket, next((b for b in (300, 3600, 86400) if b >= finest_period_s), 86400))
    return bucket


def bucket_label(bucket_s: int) -> str:
    return {300: "5-minute", 3600: "hourly", 86400: "daily"}.get(bucket_s, f"{bucket_s}-second")


def _finish(sums: pd.DataFrame) -> pd.DataFrame:
    """Rates, shares and request-weighted percentiles from ``store.traffic``'s sums of one group per row.

    Cold-start rates only count requests of resources that report cold starts, so endpoints and Cloud
    Functions gen1 (no cold-start metric) do not dilute them.
    """
    g = sums.copy()
    g["error_pct"] = 100.0 * g["errors"] / g["invocations"].where(g["invocations"] > 0)
    g["cold_start_pct"] = (100.0 * g["cold_starts"] / g["inv_cold"].where(g["inv_cold"] > 0)).where(g["has_cold"] > 0)
    g["cold_starts"] = g["cold_starts"].where(g["has_cold"] > 0)
    g["p50_ms"] = g["w_p50"] / g["inv_p50"].where(g["inv_p50"] > 0)
    g["p99_ms"] = g["w_p99"] / g["inv_p99"].where(g["inv_p99"] > 0)
    return g


SERVICE_COLUMNS = [
    "service",
    "bucket_start",
    "requests_per_min",
    "invocations",
    "error_pct",
    "cold_start_pct",
    "p50_ms",
    "p99_ms",
]
RESOURCE_COLUMNS = [
    "resource_id",
    "invocations",
    "errors",
    "error_pct",
    "cold_starts",
    "cold_start_pct",
    "p50_ms",
    "p99_ms",
]


def by_service(traffic: TrafficSums) -> pd.DataFrame:
    """Per service and bucket: request rate, error and cold-start rates, request-weighted percentiles."""
    if traffic.services.empty:
        return pd.DataFrame(columns=SERVICE_COLUMNS)
    return _finish(traffic.services)[SERVICE_COLUMNS]


def per_resource_summary(traffic: TrafficSums) -> pd.DataFrame:
    """One row per resource over the whole window: totals and request-weighted latency."""
    if traffic.resources.empty:
        return pd.DataFrame(columns=RESOURCE_COLUMNS)
    return _finish(traffic.resources)[RESOURCE_COLUMNS]


def _label(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["Service"] = out["service"].map(SERVICE_LABELS).fillna(out["service"].map(plot_text))
    return out


def _color_map() -> dict[str, str]:
    return {SERVICE_LABELS[k]: v for k, v in SERVICE_COLORS.items()}


def inventory_figure(inv: pd.DataFrame) -> go.Figure:
    """Resources by serving pattern, stacked by service."""
    counts = inv.groupby(["pattern", "service"], as_index=False).size()
    counts["Pattern"] = counts["pattern"].map(PATTERN_LABELS).fillna(counts["pattern"].map(plot_text))
    counts = _label(counts)
    fig = px.bar(
        counts,
        x="Pattern",
        y="size",
        color="Service",
        color_discrete_map=_color_map(),
        labels={"size": "resources"},
        title="Resources by serving pattern and service",
    )
    fig.update_layout(legend_title_text="", margin={"t": 50, "b": 10}, height=320)
    return fig


def traffic_figure(svc: pd.DataFrame, bucket_s: int) -> go.Figure:
    fig = px.area(
        _label(svc),
        x="bucket_start",
        y="requests_per_min",
        color="Service",
        color_discrete_map=_color_map(),
        labels={"bucket_start": "time (UTC)", "requests_per_min": "requests per minute"},
        title=f"Requests per minute by service ({bucket_label(bucket_s)} averages)",
    )
    fig.update_layout(legend_title_text="", margin={"t": 50, "b": 80}, height=380, hovermode="x unified", legend=BELOW)
    fig.update_traces(hovertemplate="%{y:,.1f} requests/min")
    return fig


def latency_figure(svc: pd.DataFrame, bucket_s: int) -> go.Figure:
    long = (
        _label(svc)
        .melt(id_vars=["Service", "bucket_start"], value_vars=["p50_ms", "p99_ms"], var_name="stat", value_name="ms")
        .dropna(subset=["ms"])
    )
    long["stat"] = long["stat"].map({"p50_ms": "p50", "p99_ms": "p99"})
    fig = px.line(
        long,
        x="bucket_start",
        y="ms",
        color="Service",
        line_dash="stat",
        color_discrete_map=_color_map(),
        log_y=True,
        labels={"bucket_start": "time (UTC)", "ms": "latency (log scale)", "stat": ""},
        title=f"Latency p50 (solid) and p99 (dashed) by service ({bucket_label(bucket_s)})",
    )
    fig.update_layout(legend_title_text="", margin={"t": 50, "b": 80}, height=420, legend=BELOW)
    if not long.empty:
        values, labels = log_ticks(float(long["ms"].min()), float(long["ms"].max()))
        fig.update_yaxes(tickvals=values, ticktext=labels)
    fig.update_traces(hovertemplate="%{y:,.0f} ms<extra>%{fullData.name}</extra>")
    return fig


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """1-2-5 ticks with their unit over [low, high] for a log latency axis: every label carries its decade
    ("20 ms", "2 s"), where plotly's default prints bare digits 2…9 between unlabeled powers of ten."""
    low, high = max(low, 0.01), max(high, low * 1.0001, 0.01)
    decade = 10.0 ** math.floor(math.log10(low))
    values: list[float] = []
    while decade <= high * 10:
        values.extend(v for v in (decade, 2 * decade, 5 * decade) if low / 2 <= v <= high * 2)
        decade *= 10
    return values, [duration_ms(v) for v in values]


def cold_start_figure(svc: pd.DataFrame, bucket_s: int) -> go.Figure:
    data = _label(svc.dropna(subset=["cold_start_pct"]))
    fig = px.line(
        data,
        x="bucket_start",
        y="cold_start_pct",
        color="Service",
        color_discrete_map=_color_map(),
        labels={"bucket_start": "time (UTC)", "cold_start_pct": "cold starts (% of requests)"},
        title=f"Cold-start rate by service ({bucket_label(bucket_s)})",
    )
    fig.update_layout(legend_title_text="", margin={"t": 50, "b": 80}, height=380, legend=BELOW)
    fig.update_traces(hovertemplate="%{y:.2f} % of requests<extra>%{fullData.name}</extra>")
    return fig


def by_resource(traffic: TrafficSums, inventory: pd.DataFrame) -> pd.DataFrame:
    """Requests per minute per bucket for the busiest resources (``traffic.top_ids``), the rest as one "all
    others" series.

    Labels are the resource's name and service (two resources may share a name across services or accounts;
    a repeated label gets its account too), made inert for plotly."""
    columns = ["series", "bucket_start", "requests_per_min"]
    if not traffic.top_ids:
        return pd.DataFrame(columns=columns)
    chosen = list(traffic.top_ids)
    info = inventory.set_index("resource_id")
    labels = {
        rid: f"{info.at[rid, 'name']} ({SERVICE_LABELS.get(info.at[rid, 'service'], info.at[rid, 'service'])})"
        if rid in info.index
        else rid
        for rid in chosen
    }
    repeated = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    for rid, label in labels.items():
        if label in repeated and rid in info.index:
            labels[rid] = f"{label}, {info.at[rid, 'account']}"
    shown = traffic.top.copy()
    shown["series"] = shown["resource_id"].map(labels).map(plot_text)
    parts = [shown[columns]]
    if traffic.others_count:
        others = traffic.others.copy()
        others["series"] = f"all others ({traffic.others_count} resources)"
        parts.append(others[columns])
    order = {plot_text(labels[rid]): i for i, rid in enumerate(chosen)}
    out = pd.concat(parts, ignore_index=True)
    out["_order"] = out["series"].map(order).fillna(len(order))
    return out.sort_values(["_order", "bucket_start"], kind="stable")[columns].reset_index(drop=True)


def resource_traffic_figure(frame: pd.DataFrame, bucket_s: int) -> go.Figure:
    """Requests per minute of the busiest resources, one line each."""
    fig = px.line(
        frame,
        x="bucket_start",
        y="requests_per_min",
        color="series",
        labels={"bucket_start": "time (UTC)", "requests_per_min": "requests per minute", "series": ""},
        title=f"Requests per minute by resource, the busiest first ({bucket_label(bucket_s)} averages)",
    )
    fig.update_layout(legend_title_text="", margin={"t": 50, "b": 80}, height=420, hovermode="x unified", legend=BELOW)
    fig.update_traces(hovertemplate="%{y:,.1f} requests/min")
    return fig
