"""Units an imported file may state, and the factor that brings each to the catalog's unit.

Durations are stored in milliseconds (DESIGN.md, "Data contract"), so a value given in seconds,
microseconds or nanoseconds is converted at import; counts and percentages are taken as they are.
A unit that does not fit the metric (``MB`` for a latency, ``ms`` for a count) is rejected rather than
guessed at. Matching is case-insensitive and ignores surrounding spaces.
"""

from __future__ import annotations

from common.metrics import METRICS

# canonical unit -> {accepted spelling -> factor to the canonical unit}
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "ms": {
        "": 1.0,
        "ms": 1.0,
        "msec": 1.0,
        "millisecond": 1.0,
        "milliseconds": 1.0,
        "s": 1000.0,
        "sec": 1000.0,
        "second": 1000.0,
        "seconds": 1000.0,
        "us": 0.001,
        "µs": 0.001,
        "μs": 0.001,
        "usec": 0.001,
        "microsecond": 0.001,
        "microseconds": 0.001,
        "ns": 0.000001,
        "nanosecond": 0.000001,
        "nanoseconds": 0.000001,
    },
    "count": {"": 1.0, "count": 1.0, "1": 1.0, "none": 1.0, "requests": 1.0, "{request}": 1.0},
    "%": {"": 1.0, "%": 1.0, "percent": 1.0, "pct": 1.0},
}

UNIT_HINT: dict[str, str] = {
    "ms": "a duration: use ms, s, us or ns",
    "count": "a count: use count, or leave the unit empty",
    "%": "a percentage (0-100): use %, or leave the unit empty",
}


def unit_factor(metric: str, unit: str | None) -> float | None:
    """Factor to multiply a value in ``unit`` by to get ``metric``'s catalog unit; None if it does not fit."""
    canonical = METRICS[metric].unit
    return UNIT_FACTORS[canonical].get((unit or "").strip().lower())


def unit_problem(metric: str, unit: str) -> str:
    canonical = METRICS[metric].unit
    return f"unit {unit!r} does not fit {metric}, {UNIT_HINT[canonical]}"


def metrics_with_unit(canonical: str) -> list[str]:
    return [m.name for m in METRICS.values() if m.unit == canonical]
