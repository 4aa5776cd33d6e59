"""Tables and a figure of the bill beside the model (``analysis.billed.BilledView``), testable without Streamlit.

Money stays numeric in the frames that feed a number column (sorting works), and goes through
``charts.format.money`` wherever it becomes text; names from the bill are data (the page renders them inert).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from analysis.billed import BilledView
from analysis.calibrate import Calibration
from analysis.types import EstateAssessment
from charts.format import money, percent
from charts.text import plot_text

RECONCILE_COLUMNS = (
    "resource_id",
    "name",
    "days",
    "billed_usd",
    "modelled_usd",
    "difference_usd",
    "difference_pct",
    "explained_by",
    "explanation",
    "source",
)


def reconciliation_frame(view: BilledView, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per billed resource: the days compared, billed (effective) and modelled for them, the
    difference in dollars and percent, and the line that explains it."""
    records = [
        {
            "resource_id": row.resource_id,
            "name": names.get(row.resource_id, row.resource_id),
            "days": f"{row.start:%d %b} – {row.end:%d %b %Y} ({row.days} d)",
            "billed_usd": row.window_usd,
            "modelled_usd": row.modelled_usd,
            "difference_usd": row.difference_usd,
            "difference_pct": row.difference_pct,
            "explained_by": row.explained_by or ("no difference" if row.difference_usd is not None else "—"),
            "explanation": row.explanation or "; ".join(row.notes),
            "source": row.source,
        }
        for row in view.rows
    ]
    frame = pd.DataFrame.from_records(records, columns=list(RECONCILE_COLUMNS))
    if frame.empty:
        return frame
    return frame.sort_values("difference_usd", key=lambda s: -s.abs().fillna(0)).reset_index(drop=True)


def effects_frame(view: BilledView, resource_id: str) -> pd.DataFrame:
    """Every effect that adds up to one resource's difference, largest first."""
    row = view.row(resource_id)
    effects = row.effects if row else ()
    return pd.DataFrame(
        [{"effect": e.label, "usd": money(e.usd, signed=True), "detail": e.detail} for e in effects],
        columns=["effect", "usd", "detail"],
    )


def unmatched_frame(view: BilledView) -> pd.DataFrame:
    """Spend billed to no known resource, per account and billed service (kept, never dropped)."""
    frame = pd.DataFrame(
        [(u.provider, u.account, u.service_name, u.region, u.usd) for u in view.unmatched if abs(u.usd) >= 0.005],
        columns=["provider", "account", "service", "region", "usd"],
    )
    return frame.sort_values("usd", ascending=False).reset_index(drop=True)


def account_charges_frame(view: BilledView) -> pd.DataFrame:
    return pd.DataFrame(
        [(c.provider, c.account, c.category.replace("_", " "), c.usd) for c in view.account_charges],
        columns=["provider", "account", "category", "usd"],
    )


def calibration_frame(calibrations: tuple[Calibration, ...] | list[Calibration]) -> pd.DataFrame:
    """The rates a bill implies, each with its derivation in words."""
    return pd.DataFrame(
        [
            {
                "kind": c.kind,
                "service": c.service,
                "region": c.region,
                "rate": f"{c.percent:g} % off" if c.kind == "discount" else f"${c.usd:.6g} per {c.unit}",
                "prices": ", ".join(c.items),
                "derivation": c.derivation,
            }
            for c in calibrations
        ],
        columns=["kind", "service", "region", "rate", "prices", "derivation"],
    )


BILL_RATES_COLUMNS = (
    "resource_id",
    "name",
    "list_usd",
    "bill_usd",
    "list_best",
    "bill_best",
    "bill_best_usd",
    "bill_saving_usd",
    "list_action",
    "bill_action",
    "bill_verdict",
)


def bill_rates_frame(listed: EstateAssessment, billed: EstateAssessment) -> pd.DataFrame:
    """Each resource at list (and the user's) prices beside the same resource at the bill's effective rates:
    today, the best option and the verdict each way, the resources whose verdict the bill changes first."""
    at_list = {r.resource_id: r for r in listed.rows}
    records = []
    for row in billed.rows:
        before = at_list.get(row.resource_id)
        records.append(
            {
                "resource_id": row.resource_id,
                "name": row.name,
                "list_usd": before.current.monthly_usd if before else None,
                "bill_usd": row.current.monthly_usd,
                "list_best": before.best.label if before and before.best else "—",
                "bill_best": row.best.label if row.best else "—",
                "bill_best_usd": row.best.monthly_usd if row.best else None,
                "bill_saving_usd": row.best.saving_usd if row.best else None,
                "list_action": before.verdict.action if before else "—",
                "bill_action": row.verdict.action,
                "bill_verdict": row.verdict.text,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(BILL_RATES_COLUMNS))
    if frame.empty:
        return frame
    changed = (frame["list_action"] != frame["bill_action"]) | (frame["list_best"] != frame["bill_best"])
    ordered = frame.assign(_same=~changed).sort_values(["_same", "name"])
    return ordered.drop(columns="_same").reset_index(drop=True)


def difference_figure(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Billed against modelled per resource, the largest differences first, with the line that explains each."""
    shown = frame.head(top).iloc[::-1]
    names = [plot_text(n) for n in shown["name"]]
    hover = [
        f"{plot_text(n)}<br>billed {money(b)} · modelled {money(m)}<br>{money(d, signed=True)} "
        f"({percent(p / 100 if p is not None and p == p else None, signed=True, digits=1)})<br>{plot_text(e)}"
        for n, b, m, d, p, e in zip(
            shown["name"],
            shown["billed_usd"],
            shown["modelled_usd"],
            shown["difference_usd"],
            shown["difference_pct"],
            shown["explained_by"],
            strict=True,
        )
    ]
    fig = go.Figure(
        go.Bar(
            x=shown["difference_usd"],
            y=names,
            orientation="h",
            hovertext=hover,
            hoverinfo="text",
            marker_color=["#d62728" if (d or 0) > 0 else "#2ca02c" for d in shown["difference_usd"]],
        )
    )
    fig.update_layout(
        title="Billed − modelled for the same days (USD)",
        xaxis_title="USD over the days compared (positive: billed more than modelled)",
        height=max(260, 28 * len(shown) + 120),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return fig
