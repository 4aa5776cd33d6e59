"""What ``run`` prints: a readable summary (or JSON) of a run, and the plan of a dry run."""

from __future__ import annotations

import json
from typing import Any

from breakeven.exits import exit_code_for_run
from collectors.runner import RunOptions, RunResult
from collectors.source import Window


def _windows_text(wins: list[Window]) -> str:
    if not wins:
        return "nothing to read"
    return ", ".join(f"{w.start:%Y-%m-%d %H:%M}→{w.end:%Y-%m-%d %H:%M} @{w.period_s}s" for w in wins)


def _calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{op} {n:,}" for op, n in sorted(calls.items())) or "none"


def plan_as_dict(result: RunResult) -> dict[str, Any]:
    items = [item for plan in result.plans for item in plan.items]
    totals: dict[str, int] = {}
    for item in items:
        for op, n in item.api_calls.items():
            totals[op] = totals.get(op, 0) + n
    scanned = [i.estimated_bytes_scanned for i in items if i.estimated_bytes_scanned is not None]
    return {
        "dry_run": True,
        "status": result.run.status,
        "items": [
            {
                "scope": item.scope.label,
                "windows": [[w.start.isoformat(), w.end.isoformat(), w.period_s] for w in result.windows[item.scope]]
                if item.scope in result.windows
                else [],
                "what": item.what,
                "api_calls": item.api_calls,
                "estimated_cost_usd": round(item.estimated_cost_usd, 6),
                "estimated_bytes_scanned": item.estimated_bytes_scanned,
                "notes": item.notes,
            }
            for item in items
        ],
        "failures": [o.as_dict() for o in result.outcomes if o.status != "ok"],
        "total_api_calls": totals,
        "total_estimated_cost_usd": round(sum(i.estimated_cost_usd for i in items), 6),
        "total_estimated_bytes_scanned": sum(scanned) if scanned else None,
        "notes": result.notes + [n for plan in result.plans for n in plan.notes],
    }


def print_plan(result: RunResult, options: RunOptions, as_json: bool = False) -> None:
    data = plan_as_dict(result)
    if as_json:
        print(json.dumps(data, indent=2))
        return
    print(f"DRY RUN for {options.config.path}: nothing fetched, nothing written (database {options.db_path})")
    for item in (i for plan in result.plans for i in plan.items):
        print(f"- {item.scope.label}: {item.what}")
        print(f"    windows: {_windows_text(result.windows.get(item.scope, []))}")
        line = f"    API calls: {_calls_text(item.api_calls)}; estimated API cost ${item.estimated_cost_usd:.4f}"
        if item.estimated_bytes_scanned is not None:
            line += f"; Logs Insights would scan ~{item.estimated_bytes_scanned / 1e9:.3f} GB (estimate)"
        print(line)
        for note in item.notes:
            print(f"    note: {note}")
    for failure in data["failures"]:
        print(f"- {failure['scope']}: cannot be collected: {'; '.join(failure['errors'])}")
    total = f"total: {_calls_text(data['total_api_calls'])}; estimated API cost ${data['total_estimated_cost_usd']:.4f}"
    if data["total_estimated_bytes_scanned"] is not None:
        total += f"; ~{data['total_estimated_bytes_scanned'] / 1e9:.3f} GB scanned (estimate)"
    print(total)
    for note in data["notes"]:
        print(f"note: {note}")


def run_as_dict(result: RunResult, elapsed_s: float) -> dict[str, Any]:
    run = result.run
    return {
        "run_id": run.run_id,
        "status": run.status,
        "exit_code": exit_code_for_run(run.status),
        "seconds": round(elapsed_s, 2),
        "rows_written": run.rows_written,
        "write": result.write.as_dict() if result.write else None,
        "rows_per_metric": run.rows_per_metric,
        "api_calls": run.api_calls,
        "retries": run.detail.get("retries", {}),
        "estimated_api_cost_usd": run.estimated_api_cost_usd,
        "scopes": [o.as_dict() for o in result.outcomes],
        "errors": run.errors,
        "notes": result.notes,
    }


def print_run(result: RunResult, options: RunOptions, elapsed_s: float, as_json: bool = False) -> None:
    data = run_as_dict(result, elapsed_s)
    if as_json:
        print(json.dumps(data, indent=2))
        return
    write = result.write
    rows = (
        f"{write.metric_rows:,} metric rows ({write.inserted:,} new, {write.updated:,} changed, "
        f"{write.unchanged:,} unchanged), {write.configs_written} configuration change(s)"
        if write
        else "nothing written"
    )
    print(f"run {data['run_id'][:12]} {data['status']} in {elapsed_s:.1f} s into {options.db_path}: {rows}")
    print(f"API calls: {_calls_text(data['api_calls'])}; estimated API cost ${data['estimated_api_cost_usd']:.4f}")
    if data["retries"]:
        print(f"retries: {_calls_text(data['retries'])}")
    for outcome in result.outcomes:
        line = f"- {outcome.scope.label}: {outcome.status}"
        if outcome.collected:
            line += " | " + "; ".join(outcome.collected)
        if outcome.missing and outcome.status != "ok":
            line += " | not collected: " + "; ".join(outcome.missing)
        if outcome.errors:
            line += " | " + "; ".join(outcome.errors)
        print(line)
    for note in result.notes:
        print(f"note: {note}")
