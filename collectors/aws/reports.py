"""Lambda REPORT records, text or JSON, and their aggregation per period — the meaning of our Logs Insights query.

A REPORT record ends every invocation. ``Init Duration`` appears only on the first request of a new
execution environment (a cold start); SnapStart functions report ``Restore Duration`` instead, and
their cold-start time is the restore. Fields are found by label, not position (custom runtimes order
them differently). With ``LoggingConfig.LogFormat = JSON`` the record is a ``platform.report`` event
with ``record.metrics.durationMs`` and friends.

``aggregate`` computes per period exactly what the Logs Insights query in ``logs_insights`` asks the
service for; the tests feed both with the same lines. Caveat (AWS troubleshooting guide): with
provisioned concurrency the first invocation on a pre-initialised environment also reports an Init
Duration, so such functions' cold starts are overcounted by the number of environments started.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from common.timeutil import align_down

_FIELD = re.compile(r"([A-Z][A-Za-z ]*?):\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|MB)")


@dataclass(frozen=True)
class Report:
    duration_ms: float
    billed_duration_ms: float
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    memory_size_mb: float | None = None
    max_memory_used_mb: float | None = None

    @property
    def cold_start_ms(self) -> float | None:
        """Init time of a cold start (init, or restore for SnapStart); None for a warm invocation."""
        if self.init_duration_ms is None and self.restore_duration_ms is None:
            return None
        return (self.init_duration_ms or 0.0) + (self.restore_duration_ms or 0.0)


def _from_text(message: str) -> Report | None:
    if not message.lstrip().startswith("REPORT"):
        return None
    fields = {label.strip(): float(value) for label, value, _unit in _FIELD.findall(message)}
    if "Duration" not in fields or "Billed Duration" not in fields:
        return None
    return Report(
        duration_ms=fields["Duration"],
        billed_duration_ms=fields["Billed Duration"],
        init_duration_ms=fields.get("Init Duration"),
        restore_duration_ms=fields.get("Restore Duration"),
        memory_size_mb=fields.get("Memory Size"),
        max_memory_used_mb=fields.get("Max Memory Used"),
    )


def _from_json(message: str) -> Report | None:
    try:
        event = json.loads(message)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or event.get("type") != "platform.report":
        return None
    metrics = (event.get("record") or {}).get("metrics") or {}
    if "durationMs" not in metrics or "billedDurationMs" not in metrics:
        return None
    return Report(
        duration_ms=float(metrics["durationMs"]),
        billed_duration_ms=float(metrics["billedDurationMs"]),
        init_duration_ms=float(metrics["initDurationMs"]) if "initDurationMs" in metrics else None,
        restore_duration_ms=float(metrics["restoreDurationMs"]) if "restoreDurationMs" in metrics else None,
        memory_size_mb=metrics.get("memorySizeMB"),
        max_memory_used_mb=metrics.get("maxMemoryUsedMB"),
    )


def parse_report(message: str) -> Report | None:
    """A REPORT record from a log message (text or JSON format), or None for any other line."""
    text = message.strip()
    return _from_json(text) if text.startswith("{") else _from_text(text)


@dataclass(frozen=True)
class PeriodStats:
    invocations: int
    cold_starts: int
    init_ms_sum: float
    billed_ms_sum: float
    duration_ms_avg: float
    duration_ms_p50: float
    duration_ms_p90: float
    duration_ms_p99: float


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (Logs Insights' ``pct`` is approximate; equal on small exact inputs)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def aggregate(events: Iterable[tuple[datetime, str]], period_s: int) -> dict[datetime, PeriodStats]:
    """Per-period statistics of the REPORT records among (timestamp, message) log events."""
    buckets: dict[datetime, list[Report]] = {}
    for ts, message in events:
        report = parse_report(message)
        if report is not None:
            buckets.setdefault(align_down(ts, period_s), []).append(report)
    out = {}
    for start, reports in sorted(buckets.items()):
        durations = [r.duration_ms for r in reports]
        cold = [r.cold_start_ms for r in reports if r.cold_start_ms is not None]
        out[start] = PeriodStats(
            invocations=len(reports),
            cold_starts=len(cold),
            init_ms_sum=sum(cold),
            billed_ms_sum=sum(r.billed_duration_ms for r in reports),
            duration_ms_avg=sum(durations) / len(durations),
            duration_ms_p50=percentile(durations, 50),
            duration_ms_p90=percentile(durations, 90),
            duration_ms_p99=percentile(durations, 99),
        )
    return out
