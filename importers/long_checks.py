"""The long CSV's rules: each names the column it checks, says in SQL which rows pass, and in words why a row
fails. The fast path (``importers.long_stage``) and the diagnosis (``importers.long_diagnose``) evaluate the
very same rules over the columns ``importers.long_sql.Expressions`` derives, so a row the fast path refuses
is always named by at least one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from common.limits import ARCHITECTURES
from common.metrics import CONFIG_FIELDS, METRICS
from common.services import SERVICES
from common.timeutil import naive_utc, time_problem
from importers.long_sql import ABOVE_ZERO, NUMBER_ROLES, WHOLE_ROLES, Expressions
from importers.problems import quoted, shorten
from importers.units import UNIT_HINT, metrics_with_unit


@dataclass(frozen=True)
class Check:
    """One rule: ``ok_sql`` is true for a good row; ``message`` explains a bad one.

    ``per_value`` rules read only low-cardinality staged columns, so the fast path evaluates them once per
    distinct value; the others are part of every row's ``ok`` flag, except ``by_store`` rules: the store's own
    check of the batch (``store.check_batch``, one scan over the typed rows) refuses what they refuse, so the fast
    path leaves them out and the diagnosis names the rows only when the store has refused the file.
    """

    name: str
    role: str
    ok_sql: str
    message: Callable[[str | None, str | None], str]
    per_value: bool = False
    by_store: bool = False


def _not_metric(rule: str) -> str:
    """A rule for metric rows only: configuration rows (no metric, no value) pass it."""
    return f"d_is_config OR ({rule})"


def checks_for(exprs: Expressions) -> list[Check]:
    """Every rule for this file's columns, over the derived columns, in reading order."""
    known_services = list(SERVICES)
    known_metrics = list(METRICS)
    exprs.params.update(
        pct_metrics=metrics_with_unit("%"), architectures=list(ARCHITECTURES), config_fields=list(CONFIG_FIELDS)
    )
    checks = [
        Check("timestamp", "timestamp", "d_ts IS NOT NULL", _timestamp_message),
        Check("offset", "timestamp", "NOT d_bad_offset", _offset_message),
        Check(
            "time_range",
            "timestamp",
            "d_ts IS NULL OR (d_ts >= $earliest AND d_ts <= $latest)",
            lambda raw, _m: _range_message(raw, exprs.now),
            by_store=True,
        ),
        Check(
            "service",
            "service",
            "d_service_known IS NOT NULL",
            lambda raw, _m: _unknown("service", raw, known_services),
            per_value=True,
        ),
        Check(
            "resource",
            "resource",
            # the name is what follows the key's third ':' (the other three parts may hold none: checked too)
            r"trim(regexp_extract(d_resource_id, '(?s)^[^:]*:[^:]*:[^:]*:(.*)$', 1)) <> ''",
            lambda _r, _m: "is empty",
            per_value=True,
        ),
        Check(
            "metric",
            "metric",
            _not_metric("d_metric_known IS NOT NULL"),
            lambda raw, _m: _unknown("metric", raw, known_metrics),
            per_value=True,
        ),
        Check(
            "value",
            "value",
            _not_metric("isfinite(d_raw_value)"),
            lambda raw, metric: _value_message(exprs, raw, metric),
            by_store=True,
        ),
        Check(
            "negative",
            "value",
            "d_raw_value IS NULL OR NOT isfinite(d_raw_value) OR d_raw_value >= 0",
            lambda raw, m: f"{_stripped(raw)} is negative; {m or 'a metric'} cannot be negative",
            by_store=True,
        ),
    ]
    if exprs.spec.has("unit"):
        checks.append(
            Check(
                "unit",
                "unit",
                _not_metric("d_metric_known IS NULL OR d_factor IS NOT NULL"),
                _unit_message,
                per_value=True,
            )
        )
    checks.append(
        Check(
            "percent",
            "value",
            "d_value IS NULL OR d_value <= 100 OR NOT isfinite(d_value) OR NOT list_contains($pct_metrics, d_metric)",
            lambda raw, m: f"{_stripped(raw)} is above 100; {m} is a percentage of the whole instance (0-100)",
        )
    )
    if exprs.spec.has("period_s"):
        checks += _period_checks(exprs)
    for role in ("account", "region"):
        if exprs.spec.has(role):
            checks.append(
                Check(
                    role,
                    role,
                    f"NOT contains(d_{role}, ':')",
                    lambda raw, _m: f"{quoted(raw)} contains ':', which Breakeven uses to join resource keys",
                )
            )
    checks += _config_checks(exprs)
    return checks


def _period_checks(exprs: Expressions) -> list[Check]:
    p = exprs.raw("period_s")
    return [
        Check(
            "period_s",
            "period_s",
            _not_metric(f"CASE WHEN d_period IS NOT NULL THEN d_period > 0 ELSE {p} IS NULL OR trim({p}) = '' END"),
            lambda raw, _m: f"{quoted(raw)} is not a whole number of seconds above 0",
        ),
        Check(
            "aligned",
            "timestamp",
            # Periods start on multiples of their length in UTC (days: at midnight UTC), as CloudWatch and
            # Cloud Monitoring align them; otherwise overlapping periods would be counted twice. The CASE
            # keeps a period of 0 (refused by the rule above) from reaching the modulo.
            "CASE WHEN d_is_config OR d_ts IS NULL OR d_period IS NULL OR d_period <= 0 THEN true "
            "WHEN 86400 % d_period <> 0 AND d_period < 86400 THEN true "
            "ELSE epoch_us(d_ts) % (least(d_period, 86400) * 1000000::BIGINT) = 0 END",
            lambda raw, _m: (
                f"{quoted(raw)} does not start a period: periods start on multiples of their length "
                "in UTC (convert local times to UTC)"
            ),
            by_store=True,
        ),
    ]


def _config_checks(exprs: Expressions) -> list[Check]:
    checks = []
    for role in (*WHOLE_ROLES, *NUMBER_ROLES):
        if not exprs.spec.has(role):
            continue
        rule = "> 0" if role in ABOVE_ZERO else ">= 0"
        whole = role in WHOLE_ROLES
        unit = " of MB" if role == "memory_mb" else ""
        hint = f"a whole number{unit} above 0" if rule == "> 0" and whole else None
        hint = hint or ("a whole number, 0 or more" if whole else "a number above 0")
        raw = exprs.raw(role)  # trimmed only when it does not read as a number (a trim per row costs)
        number = f"d_{role}"
        ok = f"CASE WHEN {number} IS NOT NULL THEN isfinite({number}) AND {number} {rule} "
        ok += f"ELSE {raw} IS NULL OR trim({raw}) = '' END"
        checks.append(Check(role, role, ok, lambda raw, _m, hint=hint: f"{quoted(raw)} is not {hint}"))
    if exprs.spec.has("architecture"):
        checks.append(
            Check(
                "architecture",
                "architecture",
                "d_architecture IS NULL OR list_contains($architectures, d_architecture)",
                lambda raw, _m: f"{quoted(raw)} is not an architecture; use x86_64 or arm64",
            )
        )
    if exprs.spec.has("assumed"):
        checks.append(
            Check(
                "assumed",
                "assumed",
                "d_assumed IS NULL OR list_has_all($config_fields, "
                "list_transform(string_split(d_assumed, ','), lambda x: trim(x)))",
                lambda raw, _m: (
                    f"{quoted(raw)} names a field that is not a configuration field; "
                    f"use comma-separated names of {', '.join(CONFIG_FIELDS)}"
                ),
            )
        )
    return checks


def _value_message(exprs: Expressions, raw: str | None, _metric: str | None) -> str:
    if raw is None or not raw.strip():
        return "is empty"
    if raw.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity", "+inf"):
        return f"{quoted(raw)} is not a finite number"
    if exprs.spec.delimiter == ";" and "," in raw:
        return f"{quoted(raw)} is not a number (use a dot as the decimal separator)"
    return f"{quoted(raw)} is not a number"


def ok_sql(checks: list[Check]) -> str:
    return " AND ".join(f"coalesce(({c.ok_sql}), false)" for c in checks) or "true"


def _stripped(raw: str | None) -> str:
    return shorten(raw.strip()) if raw else str(raw)


def _timestamp_message(raw: str | None, _metric: str | None) -> str:
    if raw is None or not raw.strip():
        return "is empty"
    return f"{quoted(raw)} is not a timestamp (use ISO 8601, e.g. 2025-05-08T04:00:00Z)"


def _offset_message(raw: str | None, _metric: str | None) -> str:
    return f"{quoted(raw)} has a UTC offset beyond ±14:00, the widest in use (or minutes above 59)"


def _range_message(raw: str | None, now: datetime | None) -> str:
    """Which end of 2006 .. now + 1 day ``raw`` misses (Python cannot parse year 0 or 10000: say so plainly)."""
    try:
        parsed = naive_utc(datetime.fromisoformat((raw or "").strip().replace("Z", "+00:00")))
    except ValueError:
        parsed = None
    problem = time_problem(parsed, now) if parsed is not None else None
    return f"{quoted(raw)}: {problem or 'is outside 2006 .. a day from now'}"


def _unknown(kind: str, raw: str | None, known: list[str]) -> str:
    if raw is None or not raw.strip():
        return "is empty"
    return f"unknown {kind} {quoted(raw)}; known: {', '.join(known)}"


def _unit_message(raw: str | None, metric: str | None) -> str:
    metric = (metric or "").strip().lower()
    canonical = METRICS[metric].unit if metric in METRICS else "count"
    return f"unit {quoted(raw)} does not fit {metric}, {UNIT_HINT[canonical]}"
