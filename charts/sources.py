"""Shaping of the run records (``runs`` table) for the Data sources page, without Streamlit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from charts.format import unit_price
from store.queries import json_cell

STATUS_MARK = {"ok": "✓ ok", "partial": "⚠ partial", "failed": "✕ failed"}


def runs_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run with its duration, total API calls, cost and first errors, readable in a table."""
    columns = ["run_id", "started_at", "kind", "status", "seconds", "rows_written", "api_calls", "cost_usd", "errors"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    out = []
    for row in runs.to_dict("records"):
        calls = json_cell(row.get("api_calls")) or {}
        errors = json_cell(row.get("errors")) or []
        finished = row.get("finished_at")
        seconds = None
        if finished is not None and not pd.isna(finished):
            seconds = (finished - row["started_at"]).total_seconds()
        out.append(
            {
                "run_id": row["run_id"],
                "started_at": row["started_at"],
                "kind": row["kind"],
                "status": STATUS_MARK.get(row["status"], row["status"]),
                "seconds": seconds,
                "rows_written": row.get("rows_written"),
                "api_calls": int(sum(calls.values())) if isinstance(calls, dict) else None,
                "cost_usd": row.get("estimated_api_cost_usd"),
                "errors": "; ".join(errors[:3]) + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""),
            }
        )
    return pd.DataFrame(out, columns=columns)


def scopes_frame(run_detail: Any) -> pd.DataFrame:
    """Per scope of one run: what was collected, what was not and why."""
    detail = json_cell(run_detail) or {}
    rows = [
        {
            "scope": s.get("scope"),
            "status": STATUS_MARK.get(s.get("status"), s.get("status")),
            "collected": "; ".join(s.get("collected") or []),
            "not collected": "; ".join([*(s.get("missing") or []), *(s.get("errors") or [])]),
            "notes": "; ".join(s.get("notes") or []),
        }
        for s in (detail.get("scopes") or [] if isinstance(detail, dict) else [])
    ]
    return pd.DataFrame(rows, columns=["scope", "status", "collected", "not collected", "notes"])


def watermarks_frame(rows: list[tuple], now: datetime) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source", "account", "region", "service", "collected_until", "updated_at"])
    frame["lag_h"] = (now - frame["collected_until"]).dt.total_seconds() / 3600 if len(frame) else []
    return frame


def api_cost(runs: pd.DataFrame) -> str:
    """The listed runs' estimated API cost together, as money (a total under a cent keeps its digits: $0.0004,
    not $0.00) and "—" when no run estimated one (not $0.00)."""
    costs = runs["estimated_api_cost_usd"].dropna() if "estimated_api_cost_usd" in runs else pd.Series(dtype=float)
    return unit_price(float(costs.sum()) if len(costs) else None)


def hours_since(started: datetime, now: datetime) -> str:
    """Hours from a run's start to now, one decimal."""
    return f"{(now - started).total_seconds() / 3600:,.1f}"
