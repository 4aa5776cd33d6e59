"""``python -m breakeven status``: the recent runs (and how far each scope has been collected)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from collectors.config import load_config
from common.settings import resolve_db_path
from store import ensure_database
from store.collector_state import read_all_watermarks
from store.queries import json_cell, recent_runs


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "status",
        parents=[parent],
        help="show recent collector runs and how far each scope has been collected",
        description="Print the most recent runs (status, rows, API calls, estimated API cost, errors) and the "
        "watermark of every (source, account, region, service). Read-only; if a run is writing at that "
        "moment it waits (bounded) for the write to finish.",
    )
    p.add_argument("--config", metavar="PATH", help="take the database path from this collectors TOML file")
    p.add_argument("--limit", type=int, default=10, help="how many runs (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=run)


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return value.isoformat(sep=" ", timespec="seconds")
    except (AttributeError, TypeError, ValueError):
        return None


def collect_status(path: Any, limit: int) -> dict[str, Any]:
    frame = recent_runs(path, limit)
    runs = []
    for row in frame.to_dict("records"):
        started, finished = row["started_at"], row["finished_at"]
        seconds = None
        if _iso(finished) and _iso(started):
            seconds = round((finished - started).total_seconds(), 1)
        runs.append(
            {
                "run_id": row["run_id"],
                "kind": row["kind"],
                "status": row["status"],
                "started_at": _iso(started),
                "finished_at": _iso(finished),
                "seconds": seconds,
                "rows_written": int(row["rows_written"] or 0),
                "rows_per_metric": json_cell(row["rows_per_metric"]) or {},
                "api_calls": json_cell(row["api_calls"]) or {},
                "estimated_api_cost_usd": json_cell(row["estimated_api_cost_usd"]) or 0.0,
                "errors": json_cell(row["errors"]) or [],
            }
        )
    marks = [
        {
            "source": m[0],
            "account": m[1],
            "region": m[2],
            "service": m[3],
            "collected_until": _iso(m[4]),
            "updated_at": _iso(m[5]),
        }
        for m in read_all_watermarks(path)
    ]
    return {"db": str(path), "runs": runs, "watermarks": marks}


def _text(status: dict[str, Any]) -> str:
    lines = [f"database {status['db']}"]
    if not status["runs"]:
        lines.append("no runs yet: run `python -m breakeven run --config collectors.toml`")
    else:
        lines.append(
            f"{'started (UTC)':<20} {'kind':<8} {'status':<8} {'secs':>6} {'rows':>10} {'calls':>6} {'cost $':>8}"
        )
        for r in status["runs"]:
            calls = sum(r["api_calls"].values())
            secs = f"{r['seconds']:.1f}" if r["seconds"] is not None else "-"
            lines.append(
                f"{r['started_at'] or '-':<20} {r['kind']:<8} {r['status']:<8} {secs:>6} {r['rows_written']:>10,} "
                f"{calls:>6,} {r['estimated_api_cost_usd']:>8.4f}"
            )
            for error in r["errors"][:5]:
                lines.append(f"    error: {error}")
            if len(r["errors"]) > 5:
                lines.append(f"    … and {len(r['errors']) - 5} more (see --json)")
    if status["watermarks"]:
        lines.append("")
        lines.append("collected until (UTC), per source/account/region/service:")
        for m in status["watermarks"]:
            scope = f"{m['source']}/{m['account']}/{m['region']}/{m['service']}"
            lines.append(f"  {scope:<60} {m['collected_until']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    path = resolve_db_path(args.db, load_config(Path(args.config)).db if args.config else None)
    if Path(path).exists():
        ensure_database(Path(path))  # a file from an older Breakeven is migrated, as every other command does
    status = collect_status(path, max(1, args.limit))
    print(json.dumps(status, indent=2, default=str) if args.json else _text(status))
    return 0
