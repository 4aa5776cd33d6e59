"""Lambda REPORT lines, in the text log format and as JSON ``platform.report`` records.

Fields are read by label, not position (the custom-runtime example puts ``Init Duration`` first), and
SnapStart lines carry ``Restore Duration`` instead of ``Init Duration`` (AWS reference notes, 1.3).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_FIELD = re.compile(r"([A-Z][A-Za-z ]*?):\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|MB)\b")
_LABELS = {
    "Duration": "duration_ms",
    "Billed Duration": "billed_ms",
    "Memory Size": "memory_mb",
    "Max Memory Used": "max_memory_mb",
    "Init Duration": "init_ms",
    "Restore Duration": "restore_ms",
    "Billed Restore Duration": "billed_restore_ms",
}
_JSON_METRICS = {
    "durationMs": "duration_ms",
    "billedDurationMs": "billed_ms",
    "memorySizeMB": "memory_mb",
    "maxMemoryUsedMB": "max_memory_mb",
    "initDurationMs": "init_ms",
    "restoreDurationMs": "restore_ms",
    "billedRestoreDurationMs": "billed_restore_ms",
}


@dataclass(frozen=True)
class Report:
    """One invocation's REPORT: durations in ms, memory in MB (None where the line has no such field)."""

    duration_ms: float
    billed_ms: float | None = None
    memory_mb: float | None = None
    max_memory_mb: float | None = None
    init_ms: float | None = None
    restore_ms: float | None = None
    billed_restore_ms: float | None = None

    @property
    def cold_start(self) -> bool:
        return self.init_ms is not None or self.restore_ms is not None

    @property
    def cold_start_ms(self) -> float | None:
        """Init time of a cold start; for SnapStart, the restore time (AWS snapstart-monitoring)."""
        return self.init_ms if self.init_ms is not None else self.restore_ms


def parse_report(message: str) -> Report | None:
    """The REPORT in ``message``, or None when the message is not a REPORT line."""
    text = message.strip()
    if text.startswith("{"):
        return _parse_json(text)
    start = text.find("REPORT RequestId:")
    if start < 0:
        return None
    values: dict[str, float] = {}
    for label, number, _unit in _FIELD.findall(text[start + len("REPORT RequestId:") :]):
        key = _LABELS.get(label.strip())
        if key:
            values[key] = float(number)
    if "duration_ms" not in values:
        return None
    return Report(**values)


def _parse_json(text: str) -> Report | None:
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # a line nested beyond Python's limit is not a REPORT either
        return None
    if not isinstance(record, dict) or record.get("type") != "platform.report":
        return None
    body = record.get("record")
    metrics = body.get("metrics") if isinstance(body, dict) else None
    if not isinstance(metrics, dict):
        return None
    values = {
        key: float(metrics[name]) for name, key in _JSON_METRICS.items() if isinstance(metrics.get(name), int | float)
    }
    if "duration_ms" not in values:
        return None
    return Report(**values)
