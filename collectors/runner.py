"""The kind-independent collector run: lock, windows, isolation per scope, one write, the run record.

``execute`` is what ``python -m breakeven run`` calls. It never lets one source or scope take the
others down: a failure becomes a ``ScopeOutcome`` (and the run ``partial``), everything else is still
written. The run's data, watermarks, endpoint snapshots and run record go to the store in one short
transaction (``store.writes.write_batch``), so a killed run leaves no partial batch, and the fetched
rows upsert on their natural key, so a rerun over the same window changes nothing.

The run's status (``ok``, ``partial``, ``failed``: no scope could be collected, the run record says
why) is in ``RunResult.run.status``; ``breakeven.exits`` turns it into the process's exit code.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from collectors.config import CollectorConfig
from collectors.lock import lock_path_for, pid_alive, run_lock
from collectors.source import (
    ApiUsage,
    Collection,
    Plan,
    RunContext,
    Scope,
    ScopeOutcome,
    Source,
    Window,
)
from collectors.windows import scope_windows
from common.progress import ProgressFn, no_progress
from common.timeutil import utc_now
from store.collector_state import read_watermarks
from store.db import ensure_database
from store.errors import BatchError
from store.writes import Batch, RunRecord, WatermarkRecord, WriteSummary, metrics_frame, record_run, write_batch

log = logging.getLogger("collectors")
RUN_KIND = "collect"


@dataclass
class RunOptions:
    config: CollectorConfig
    db_path: Path
    dry_run: bool = False
    since: datetime | None = None  # naive UTC
    until: datetime | None = None
    sources: tuple[str, ...] = ()  # only these source names (all when empty)
    now: datetime | None = None  # the run's clock (tests pin it); naive UTC


@dataclass
class RunResult:
    run: RunRecord
    outcomes: list[ScopeOutcome]
    windows: dict[Scope, list[Window]]
    plans: list[Plan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    write: WriteSummary | None = None


def run_status(outcomes: list[ScopeOutcome]) -> str:
    """ok when every scope is ok; failed when none collected anything; partial otherwise."""
    if not outcomes or all(o.status == "ok" for o in outcomes):
        return "ok"
    if all(o.status == "failed" for o in outcomes):
        return "failed"
    return "partial"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def _debug() -> bool:
    """Tracebacks only with ``--verbose``: under cron an error is one line."""
    return log.isEnabledFor(logging.DEBUG)


def _failed(scope: Scope, reason: str) -> ScopeOutcome:
    return ScopeOutcome(scope=scope, status="failed", errors=[reason], missing=["everything"])


def _whole_source(source: Source) -> Scope:
    return Scope(source.settings.name, "*", "*", "*")


def _plan_windows(
    source: Source, scopes: list[Scope], options: RunOptions, now: datetime, marks: Mapping
) -> tuple[dict[Scope, list[Window]], list[str]]:
    windows: dict[Scope, list[Window]] = {}
    notes: list[str] = []
    for scope in scopes:
        mark = marks.get((scope.source, scope.account, scope.region, scope.service))
        scope_wins, scope_notes = scope_windows(
            source.settings, source.retention, now, mark, since=options.since, until=options.until
        )
        windows[scope] = scope_wins
        notes.extend(f"{scope.label}: {n}" for n in scope_notes if f"{scope.label}: {n}" not in notes)
    return windows, notes


def _collect_source(
    source: Source, windows: dict[Scope, list[Window]], ctx: RunContext
) -> tuple[Collection, list[ScopeOutcome]]:
    """Run one source's collect, turning an escaped exception into failed outcomes for its scopes."""
    try:
        collection = source.collect(windows, ctx)
    except Exception as exc:
        log.error("source %s failed: %s", source.settings.name, _one_line(exc), exc_info=_debug())
        reason = f"collection failed: {_one_line(exc)}"
        return Collection(), [_failed(scope, reason) for scope in windows]
    by_scope = {o.scope: o for o in collection.outcomes}
    outcomes = list(collection.outcomes)
    for scope in windows:
        if scope not in by_scope:
            outcomes.append(_failed(scope, "the source returned no outcome for this scope"))
    return collection, outcomes


def execute(options: RunOptions, progress: ProgressFn = no_progress) -> RunResult:
    """A whole run (or a dry run). Raises only for the lock, the database being busy, or bad usage."""
    if options.dry_run:
        return _execute(options, progress, replaced_owner=None)
    with run_lock(lock_path_for(options.db_path)) as lock:
        replaced = None
        if lock.replaced is not None:
            alive = pid_alive(lock.replaced.pid or 0)
            replaced = lock.replaced.describe() + (" (still running, but not holding the lock)" if alive else "")
            log.warning("took over a stale lock left by %s", replaced)
        return _execute(options, progress, replaced_owner=replaced)


def _selected(options: RunOptions) -> list[Source]:
    sources = options.config.sources
    if options.sources:
        sources = [s for s in sources if s.settings.name in options.sources]
    return sources


def _execute(options: RunOptions, progress: ProgressFn, replaced_owner: str | None) -> RunResult:
    now = options.now or utc_now()
    started = utc_now()
    usage = ApiUsage()
    run_id = uuid.uuid4().hex
    ctx = RunContext(
        db_path=options.db_path, now=now, run_id=run_id, dry_run=options.dry_run, usage=usage, progress=progress
    )
    if not options.dry_run:
        ensure_database(options.db_path)
    sources = _selected(options)
    marks = read_watermarks(options.db_path, [s.settings.name for s in sources])
    all_windows: dict[Scope, list[Window]] = {}
    outcomes: list[ScopeOutcome] = []
    plans: list[Plan] = []
    notes: list[str] = []
    merged = Collection()
    for source in sources:
        name = source.settings.name
        progress(None, f"{name}: listing scopes")
        try:
            listing = source.scopes(ctx)
        except Exception as exc:
            log.error("source %s could not list its scopes: %s", name, _one_line(exc), exc_info=_debug())
            outcomes.append(_failed(_whole_source(source), f"listing failed: {_one_line(exc)}"))
            continue
        outcomes.extend(listing.failures)
        windows, window_notes = _plan_windows(source, listing.scopes, options, now, marks)
        notes.extend(window_notes)
        all_windows.update(windows)
        if options.dry_run:
            try:
                plans.append(source.plan(windows, ctx))
            except Exception as exc:
                log.error("source %s could not plan: %s", name, _one_line(exc), exc_info=_debug())
                outcomes.extend(_failed(scope, f"planning failed: {_one_line(exc)}") for scope in windows)
            continue
        collection, source_outcomes = _collect_source(source, windows, ctx)
        merged.extend(Collection(collection.resources, collection.configs, collection.metrics, collection.snapshots))
        outcomes.extend(source_outcomes)
        for outcome in source_outcomes:
            log.info("%s: %s", outcome.scope.label, _outcome_line(outcome))
    if options.dry_run:
        for plan in plans:
            outcomes.extend(plan.failures)
    status = run_status(outcomes)
    run = _run_record(run_id, started, status, outcomes, all_windows, usage, merged, options, notes, replaced_owner)
    result = RunResult(run=run, outcomes=outcomes, windows=all_windows, plans=plans, notes=notes)
    if options.dry_run:
        return result
    progress(None, "writing to the database")
    _write(options.db_path, merged, outcomes, all_windows, run, result)
    return result


def _outcome_line(outcome: ScopeOutcome) -> str:
    parts = [outcome.status, *outcome.collected]
    if outcome.missing:
        parts.append("not collected: " + "; ".join(outcome.missing))
    if outcome.errors:
        parts.append("errors: " + "; ".join(outcome.errors))
    return " | ".join(parts)


def _run_record(
    run_id: str,
    started: datetime,
    status: str,
    outcomes: list[ScopeOutcome],
    windows: dict[Scope, list[Window]],
    usage: ApiUsage,
    merged: Collection,
    options: RunOptions,
    notes: list[str],
    replaced_owner: str | None,
) -> RunRecord:
    rows_per_metric = Counter(row[1] for row in merged.metrics)
    detail = {
        "config": str(options.config.path),
        "sources": [s.settings.name for s in _selected(options)],
        "dry_run": options.dry_run,
        "since": options.since.isoformat() if options.since else None,
        "until": options.until.isoformat() if options.until else None,
        "scopes": [o.as_dict() for o in outcomes],
        "windows": {
            scope.label: [[w.start.isoformat(), w.end.isoformat(), w.period_s] for w in wins]
            for scope, wins in windows.items()
        },
        "cost_items": usage.cost_items(),
        "retries": dict(sorted(usage.retries.items())),
        "resources": len({r.resource_id for r in merged.resources}),
        "snapshots": len(merged.snapshots),
        "notes": notes,
    }
    if replaced_owner:
        detail["replaced_stale_lock"] = replaced_owner
    return RunRecord(
        run_id=run_id,
        kind=RUN_KIND,
        started_at=started,
        status=status,
        finished_at=None,
        rows_per_metric=dict(sorted(rows_per_metric.items())),
        api_calls=dict(sorted(usage.calls.items())),
        estimated_api_cost_usd=round(usage.estimated_cost_usd, 6),
        errors=[f"{o.scope.label}: {e}" for o in outcomes for e in o.errors],
        detail=detail,
    )


def _watermarks(outcomes: list[ScopeOutcome], windows: dict[Scope, list[Window]]) -> list[WatermarkRecord]:
    """Advance only scopes that are wholly ok and actually read a window."""
    marks = []
    for outcome in outcomes:
        wins = windows.get(outcome.scope)
        if outcome.status == "ok" and wins:
            s = outcome.scope
            marks.append(WatermarkRecord(s.source, s.account, s.region, s.service, max(w.end for w in wins)))
    return marks


def _write(
    db_path: Path,
    merged: Collection,
    outcomes: list[ScopeOutcome],
    windows: dict[Scope, list[Window]],
    run: RunRecord,
    result: RunResult,
) -> None:
    run.finished_at = utc_now()
    log.info(
        "writing %d metric rows, %d resources, %d configuration snapshots in one transaction",
        len(merged.metrics),
        len({r.resource_id for r in merged.resources}),
        len(merged.configs),
    )
    batch = Batch(
        resources=merged.resources,
        configs=merged.configs,
        metrics=metrics_frame(merged.metrics) if merged.metrics else None,
        watermarks=_watermarks(outcomes, windows),
        run=run,
        snapshots=merged.snapshots,
    )
    try:
        summary = write_batch(db_path, batch)
    except BatchError as exc:
        # The fetched data broke the data contract: write nothing of it, but leave the run's trace.
        run.status = "failed"
        run.errors.append(f"write rejected, nothing written: {exc}")
        run.rows_written = 0
        run.finished_at = utc_now()
        record_run(db_path, run)
        return
    result.write = summary
