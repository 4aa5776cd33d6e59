"""Figures for the Resource view, from ``analysis`` results (``ResourceDetail``, ``UsageSeries``); no Streamlit.

Every figure has a title, axis titles with units and hover values people read: money through
``charts.format.money`` (−$293.46, "—" for none), counts rounded, latencies as ``84 ms``. Hover text is built
here as strings and handed to plotly as ``customdata`` (plotly's own number formats cannot put the minus sign
before the dollar). Names from the data go through ``charts.text.plot_text``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from analysis.types import Curve, ResourceDetail
from analysis.usage import UsageSeries
from charts.costs import CONFIDENCE_MARK
from charts.format import count, duration_ms, money
from charts.text import plot_text

# Legends under the plot, so a long option label never takes the plot's width.
BELOW = {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0}
TODAY_COLOR = "#7f7f7f"
OPTION_COLUMNS = ["option", "monthly", "vs_today", "cold_starts", "always_on", "feasible", "price"]


def _times(epochs: Sequence[float]) -> list[datetime]:
    return [datetime.fromtimestamp(x, UTC).replace(tzinfo=None) for x in epochs]


def _layout(fig: go.Figure, title: str, y_title: str, x_title: str = "", height: int = 360) -> go.Figure:
    """Titles, units and the legend under the plot (below the axis title when there is one: they never overlap)."""
    fig.update_layout(
        title=title,
        xaxis_title=x_title or None,
        yaxis_title=y_title,
        height=height,
        margin={"t": 50, "b": 10},
        legend={**BELOW, "y": -0.3 if x_title else -0.12},
        hovermode="closest",
    )
    return fig


def penalty_ms(ms: float | None) -> str:
    """A cold-start penalty on the mean, usually a fraction of a millisecond: two decimals below 10 ms."""
    if ms is None or ms != ms:
        return "—"
    return f"{ms:,.2f} ms" if abs(ms) < 10 else duration_ms(ms)


def _clean(values: Sequence[float]) -> list[float | None]:
    """NaN as a gap (None), which plotly leaves unplotted rather than drawing at zero."""
    return [None if v is None or v != v else float(v) for v in values]


def cost_over_time_figure(curve: Curve, best_hybrid: str | None = None) -> go.Figure:
    """Cost per UTC day: today (grey) against each option replayed on that day's traffic; the best hybrid bold."""
    days = _times(curve.x)
    fig = go.Figure()
    for name, values in curve.series.items():
        is_today = name == "today"
        fig.add_scatter(
            x=days,
            y=_clean(values),
            name=plot_text(name),
            mode="lines+markers",
            line={"color": TODAY_COLOR, "width": 3} if is_today else {"width": 3 if name == best_hybrid else 1.5},
            customdata=[money(v) + " per day" for v in values],
            hovertemplate="%{x|%Y-%m-%d}: %{customdata}<extra>%{fullData.name}</extra>",
        )
    return _layout(fig, "Cost per UTC day: today, each option and the best hybrid on the same traffic", "USD per day")


def traffic_figure(usage: UsageSeries) -> go.Figure:
    """Requests per second, each bucket's requests over its length, with the bucket's request count on hover."""
    fig = go.Figure()
    fig.add_scatter(
        x=_times(usage.x),
        y=_clean(usage.requests_per_s),
        name="requests per second",
        mode="lines",
        customdata=[
            f"{count(r)} requests ({_rate(s)} req/s)" for r, s in zip(usage.requests, usage.requests_per_s, strict=True)
        ],
        hovertemplate="%{x|%Y-%m-%d %H:%M}: %{customdata}<extra></extra>",
    )
    return _layout(fig, f"Traffic: requests per second ({_bucket(usage)} means, UTC)", "requests per second")


def _rate(value: float) -> str:
    if value != value:
        return "—"
    return f"{value:,.3g}" if 0 < abs(value) < 10 else count(value)


def _bucket(usage: UsageSeries) -> str:
    return {3600: "hourly", 86_400: "daily"}.get(usage.bucket_s, f"{usage.bucket_s}-second")


def _time_line(fig: go.Figure, usage: UsageSeries, name: str, values: Sequence[float], shown: list[str]) -> None:
    """One series over the buckets, hovering as ``shown`` (the values as people read them)."""
    fig.add_scatter(
        x=_times(usage.x),
        y=_clean(values),
        name=name,
        mode="lines",
        customdata=shown,
        hovertemplate="%{x|%Y-%m-%d %H:%M}: %{customdata}<extra>%{fullData.name}</extra>",
    )


def latency_over_time_figure(usage: UsageSeries) -> go.Figure:
    """p50 and p99 per bucket (a bucket's percentile is the request-weighted mean of the stored ones)."""
    fig = go.Figure()
    for name, values in (("p50", usage.p50_ms), ("p99", usage.p99_ms)):
        _time_line(fig, usage, name, values, [duration_ms(v) for v in values])
    return _layout(fig, f"Latency: p50 and p99 ({_bucket(usage)}, request-weighted, UTC)", "milliseconds")


def concurrency_figure(usage: UsageSeries) -> go.Figure:
    """Peak concurrent requests and mean running instances per bucket (whichever the platform reports)."""
    fig = go.Figure()
    for name, values in (
        ("peak concurrent requests", usage.concurrency_max),
        ("running instances (mean)", usage.instances_avg),
    ):
        if not any(v == v for v in values):
            continue
        _time_line(fig, usage, name, values, [count(v) for v in values])
    return _layout(fig, f"Concurrency and instances ({_bucket(usage)}, UTC)", "concurrent requests / instances")


def shared_range(*curves: Curve | None) -> tuple[float, float] | None:
    """One log-axis range (decades) covering every curve, so charts side by side read on the same scale."""
    xs = [x for c in curves if c is not None for x in c.x if x > 0]
    return (math.log10(min(xs)), math.log10(max(xs))) if xs else None


def break_even_figure(
    curve: Curve,
    title: str = "Break-even: monthly cost against monthly requests",
    x_range: tuple[float, float] | None = None,
) -> go.Figure:
    """FaaS and endpoint cost over monthly requests (the measured shape scaled); break-even and today marked."""
    fig = go.Figure()
    for name, values in curve.series.items():
        fig.add_scatter(
            x=list(curve.x),
            y=_clean(values),
            name=plot_text(name),
            mode="lines",
            customdata=[f"{count(x)} requests/month: {money(v)}/month" for x, v in zip(curve.x, values, strict=True)],
            hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
        )
    # Lines are shapes (data coordinates); their labels are annotations, which a log axis places by log10(x).
    for x, dash, color, text, y in (
        (curve.optimum_x, "dash", "#d62728", "break-even", 0.02),
        (curve.operating_x, "dot", "#000000", "today", 0.98),
    ):
        if x is None or x <= 0:
            continue
        fig.add_vline(x=x, line_dash=dash, line_color=color)
        fig.add_annotation(
            x=math.log10(x), y=y, yref="paper", text=f"{text} {count(x)}/month", showarrow=False,
            xanchor="left", font={"color": color}, bgcolor="rgba(255,255,255,0.8)",
        )  # fmt: skip
    fig.update_xaxes(type="log", dtick=1)  # decades only: labels "2 … 9" between them read as noise
    if x_range is not None:
        fig.update_xaxes(range=list(x_range))
    fig.update_yaxes(type="log", dtick=1, tickprefix="$")
    return _layout(fig, title, "USD per month (730 h)", "requests per month (log)", height=380)


def hybrid_figure(curve: Curve) -> go.Figure:
    """The hybrid's monthly cost over k always-on instances (k = 0: FaaS alone), the cheapest k marked."""
    fig = go.Figure()
    for name in ("always-on endpoint", "FaaS overflow"):
        values = curve.series.get(name, ())
        fig.add_bar(
            x=list(curve.x),
            y=_clean(values),
            name=name,
            customdata=[money(v) + "/month" for v in values],
            hovertemplate="k = %{x}: %{customdata}<extra>%{fullData.name}</extra>",
        )
    total = curve.series.get("total", ())
    fig.add_scatter(
        x=list(curve.x),
        y=_clean(total),
        name="total",
        mode="markers",
        marker={"color": "#000000", "symbol": "line-ew-open", "size": 14},
        customdata=[money(v) + "/month" for v in total],
        hovertemplate="k = %{x}: total %{customdata}<extra></extra>",
    )
    if curve.optimum_x is not None and curve.optimum_x in curve.x:
        best = total[list(curve.x).index(curve.optimum_x)]
        fig.add_annotation(
            x=curve.optimum_x,
            y=best,
            text=f"cheapest: k = {curve.optimum_x:g}, {money(best)}/month",
            showarrow=True,
            arrowhead=2,
        )
    fig.update_layout(barmode="stack")
    return _layout(
        fig, "Hybrid: monthly cost by always-on instances k", "USD per month (730 h)", "always-on instances k"
    )


def latency_figure(detail: ResourceDetail) -> go.Figure:
    """Mean latency per pattern (cold starts' init included) with its p99; today's cold-start penalty on top."""
    labels, means, p99s = [], [], []
    for option in detail.options:
        if option.latency_mean_ms is None:
            continue
        labels.append(plot_text(option.row.label))
        means.append(option.latency_mean_ms)
        p99s.append(option.latency_p99_ms)
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=means,
        orientation="h",
        name="mean (cold starts included)",
        customdata=[duration_ms(v) for v in means],
        hovertemplate="%{y}: mean %{customdata}<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=_clean([v if v is not None else float("nan") for v in p99s]),
        mode="markers",
        name="p99",
        marker={"symbol": "diamond", "size": 10, "color": "#d62728"},
        customdata=[duration_ms(v) for v in p99s],
        hovertemplate="%{y}: p99 %{customdata}<extra></extra>",
    )
    cold = detail.cold_starts
    title = "Latency per pattern (mean with cold starts, and p99)"
    if cold is not None and cold.added_latency_ms is not None:
        title += f"; today's cold starts add {penalty_ms(cold.added_latency_ms)} to the mean"
    fig.update_layout(yaxis={"autorange": "reversed"})
    return _layout(fig, title, "", "milliseconds", height=220 + 40 * max(1, len(labels)))


def best_hybrid(detail: ResourceDetail) -> str | None:
    """The label of the hybrid option the engine chose (its k is the optimum), if the resource has one."""
    return next((o.row.label for o in detail.options if o.row.pattern == "hybrid" and o.row.feasible), None)


def options_frame(detail: ResourceDetail) -> pd.DataFrame:
    """Today and every option as people read them: money with its sign, counts rounded, why one cannot work."""
    row = detail.row
    rows = [
        {
            "option": "today",
            "monthly": money(row.current.monthly_usd),
            "vs_today": money(0.0) if row.current.monthly_usd is not None else money(None),
            "cold_starts": count(row.current.cold_starts_per_month),
            "always_on": "—",
            "feasible": "yes" if row.current.monthly_usd is not None else f"not priced: {row.current.error}",
            "price": "⚠ unconfirmed" if row.current.unconfirmed else "",
        }
    ]
    for option in detail.options:
        o = option.row
        rows.append(
            {
                "option": o.label,
                "monthly": money(o.monthly_usd),
                "vs_today": money(None if o.saving_usd is None else -o.saving_usd, signed=True),
                "cold_starts": count(o.cold_starts_per_month),
                "always_on": count(o.always_on),
                "feasible": "yes" if o.feasible else f"no: {o.reason}",
                "price": CONFIDENCE_MARK["unconfirmed"] if o.unconfirmed else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["option", "monthly", "vs_today", "cold_starts", "always_on", "feasible", "price"]
    )


def feasibility_notes(detail: ResourceDetail) -> list[str]:
    """Why an option cannot work, then what each option's model assumed or warns about (once each)."""
    notes = [f"{o.row.label}: not feasible — {o.row.reason}" for o in detail.options if not o.row.feasible]
    notes += [f"{o.row.label}: {note}" for o in detail.options for note in o.notes]
    return list(dict.fromkeys(notes))


def history_frame(detail: ResourceDetail) -> pd.DataFrame:
    """The configuration history, oldest first: each snapshot's start and its fields in words."""
    rows = [
        {"from": at[:16].replace("T", " "), "configuration": ", ".join(f"{k}: {v}" for k, v in sorted(values.items()))}
        for at, values in detail.config_history
    ]
    return pd.DataFrame(rows, columns=["from", "configuration"])


def periods_frame(detail: ResourceDetail) -> pd.DataFrame:
    """The window's configuration periods, each priced as a month on its own (the current one last)."""
    rows = [
        {
            "from": p.start[:16].replace("T", " "),
            "to": p.end[:16].replace("T", " "),
            "configuration": p.config,
            "monthly": money(p.monthly_usd),
            "current": "current" if p.current else "earlier",
        }
        for p in detail.periods
    ]
    return pd.DataFrame(rows, columns=["from", "to", "configuration", "monthly", "current"])
