"""SQL pieces for importing the generic long CSV: column expressions and the row checks.

The fast path (``store.imports.stage_long_csv``) and the diagnosis of a rejected file
(``store.import_diagnose``) are built from the same definitions here, so a row that fails the fast
path's combined ``ok`` flag is always explained by at least one named check. Column identifiers are
generated (``c0``, ``c1``, ...), never taken from the file; every value from a user is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.catalog import METRICS, SERVICES
from store.import_units import UNIT_FACTORS, UNIT_HINT, metrics_with_unit

REQUIRED_ROLES = ("timestamp", "service", "resource", "metric", "value")
OPTIONAL_ROLES = (
    "period_s",
    "region",
    "account",
    "unit",
    "memory_mb",
    "architecture",
    "instance_type",
    "instance_count",
)
CONFIG_ROLES = ("memory_mb", "architecture", "instance_type", "instance_count")
ARCHITECTURES = ("x86_64", "arm64")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_PERIOD_S = 3600
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True)
class LongCsvSpec:
    """How to read one long-format CSV: where each role's column is, and the file's dialect."""

    path: Path
    file_name: str
    header: tuple[str, ...]
    roles: dict[str, int]  # role -> 0-based column index
    delimiter: str = ","
    source: str = "upload"
    default_account: str = ""
    default_region: str = ""
    default_period_s: int = DEFAULT_PERIOD_S
    max_line_bytes: int = MAX_LINE_BYTES

    def has(self, role: str) -> bool:
        return role in self.roles

    def column_name(self, role: str) -> str:
        return self.header[self.roles[role]]

    def reader_params(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "columns": {f"c{i}": "VARCHAR" for i in range(len(self.header))},
            "delim": self.delimiter,
            "max_line": self.max_line_bytes,
        }


_PARAM = re.compile(r"\$(\w+)")


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """DuckDB refuses parameters a statement does not use; keep only the ones named in ``sql``."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


READ_CSV = (
    "read_csv($path, columns = $columns, header = true, auto_detect = false, delim = $delim, quote = '\"', "
    "escape = '\"', strict_mode = true, max_line_size = $max_line{extra})"
)


def read_csv_sql(extra: str = "") -> str:
    return READ_CSV.format(extra=extra)


@dataclass(frozen=True)
class Check:
    """One row-level rule: ``ok_sql`` is true for a good row; ``message`` explains a bad one."""

    name: str
    role: str
    ok_sql: str
    message: Callable[[str | None, str | None], str]


@dataclass
class Expressions:
    """SQL expressions over the raw VARCHAR columns of one file, with their parameters."""

    spec: LongCsvSpec
    params: dict[str, Any] = field(default_factory=dict)

    def raw(self, role: str) -> str:
        return f"c{self.spec.roles[role]}" if self.spec.has(role) else "NULL::VARCHAR"

    def text(self, role: str) -> str:
        return f"nullif(trim({self.raw(role)}), '')"

    @staticmethod
    def unneutralise(expr: str) -> str:
        """Undo the export's formula guard: a leading apostrophe before = + - @ tab or CR."""
        return (
            f"CASE WHEN starts_with({expr}, '''') AND substr({expr}, 2, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
            f"THEN substr({expr}, 2) ELSE {expr} END"
        )

    @property
    def service(self) -> str:
        return f"lower({self.text('service')})"

    @property
    def metric(self) -> str:
        return f"lower({self.text('metric')})"

    @property
    def name(self) -> str:
        return self.unneutralise(self.raw("resource"))

    def _scoped(self, role: str, default_key: str) -> str:
        raw = f"nullif({self.raw(role)}, '')"
        return f"coalesce({self.unneutralise(raw)}, ${default_key})"

    @property
    def account(self) -> str:
        return self._scoped("account", "default_account")

    @property
    def region(self) -> str:
        return self._scoped("region", "default_region")

    @property
    def resource_id(self) -> str:
        return f"concat({self.service}, ':', {self.account}, ':', {self.region}, ':', {self.name})"

    @property
    def timestamp(self) -> str:
        return f"TRY_CAST({self.text('timestamp')} AS TIMESTAMPTZ)::TIMESTAMP"

    @property
    def zoned(self) -> str:
        """Whether the timestamp text carries a zone: Z, UTC/GMT, or an offset after the time of day."""
        t = f"upper({self.text('timestamp')})"
        return (
            f"(suffix({t}, 'Z') OR suffix({t}, 'UTC') OR suffix({t}, 'GMT') OR contains({t}, '+') "
            f"OR contains(substr({t}, 11), '-'))"
        )

    @property
    def period_s(self) -> str:
        return f"TRY_CAST({self.text('period_s')} AS INTEGER)" if self.spec.has("period_s") else "NULL::INTEGER"

    @property
    def raw_value(self) -> str:
        return f"TRY_CAST({self.text('value')} AS DOUBLE)"

    @property
    def factor(self) -> str:
        """Unit factor to the metric's catalog unit, NULL when the unit does not fit the metric."""
        if not self.spec.has("unit"):
            return "1.0"
        unit = f"coalesce(lower({self.text('unit')}), '')"
        branches = []
        for canonical, factors in UNIT_FACTORS.items():
            key = "unit_" + {"ms": "ms", "count": "count", "%": "pct"}[canonical]
            self.params[f"{key}_metrics"] = metrics_with_unit(canonical)
            self.params[f"{key}_names"] = list(factors)
            self.params[f"{key}_factors"] = list(factors.values())
            branches.append(
                f"WHEN list_contains(${key}_metrics, {self.metric}) "
                f"THEN ${key}_factors[list_position(${key}_names, {unit})]"
            )
        return f"(CASE {' '.join(branches)} ELSE NULL END)"

    @property
    def value(self) -> str:
        return f"({self.raw_value} * {self.factor})"

    def config(self, role: str) -> str:
        if role == "architecture":
            return f"lower({self.text(role)})"
        if role == "instance_type":
            return self.text(role)
        return f"TRY_CAST({self.text(role)} AS INTEGER)"

    def checks(self) -> list[Check]:
        """Every row rule for this file's columns, in the order problems are best read."""
        known_services = list(SERVICES)
        known_metrics = list(METRICS)
        self.params.update(
            services=known_services,
            metrics=known_metrics,
            pct_metrics=metrics_with_unit("%"),
            architectures=list(ARCHITECTURES),
        )
        checks = [
            Check("timestamp", "timestamp", f"{self.timestamp} IS NOT NULL", _timestamp_message),
            Check(
                "service",
                "service",
                f"list_contains($services, {self.service})",
                lambda raw, _m: _unknown("service", raw, known_services),
            ),
            Check("resource", "resource", f"{self.text('resource')} IS NOT NULL", lambda _r, _m: "is empty"),
            Check(
                "metric",
                "metric",
                f"list_contains($metrics, {self.metric})",
                lambda raw, _m: _unknown("metric", raw, known_metrics),
            ),
            Check("value", "value", f"isfinite({self.raw_value})", self._value_message),
            Check(
                "negative",
                "value",
                f"{self.raw_value} IS NULL OR NOT isfinite({self.raw_value}) OR {self.raw_value} >= 0",
                lambda raw, m: f"{raw.strip() if raw else raw} is negative; {m or 'a metric'} cannot be negative",
            ),
        ]
        if self.spec.has("unit"):
            checks.append(
                Check(
                    "unit",
                    "unit",
                    f"NOT list_contains($metrics, {self.metric}) OR {self.factor} IS NOT NULL",
                    _unit_message,
                )
            )
        checks.append(
            Check(
                "percent",
                "value",
                f"NOT list_contains($pct_metrics, {self.metric}) OR NOT isfinite({self.value}) OR {self.value} <= 100",
                lambda raw, m: f"{raw} is above 100; {m} is a percentage of the whole instance (0-100)",
            )
        )
        if self.spec.has("period_s"):
            checks.append(
                Check(
                    "period_s",
                    "period_s",
                    f"{self.text('period_s')} IS NULL OR {self.period_s} > 0",
                    lambda raw, _m: f"{raw!r} is not a whole number of seconds above 0",
                )
            )
        for role in ("account", "region"):
            if self.spec.has(role):
                checks.append(
                    Check(
                        role,
                        role,
                        f"NOT contains(coalesce({self.raw(role)}, ''), ':')",
                        lambda raw, _m: f"{raw!r} contains ':', which Breakeven uses to join resource keys",
                    )
                )
        for role, rule, hint in (
            ("memory_mb", "> 0", "a whole number of MB above 0"),
            ("instance_count", ">= 0", "a whole number, 0 or more"),
        ):
            if self.spec.has(role):
                checks.append(
                    Check(
                        role,
                        role,
                        f"{self.text(role)} IS NULL OR {self.config(role)} {rule}",
                        lambda raw, _m, hint=hint: f"{raw!r} is not {hint}",
                    )
                )
        if self.spec.has("architecture"):
            checks.append(
                Check(
                    "architecture",
                    "architecture",
                    f"{self.text('architecture')} IS NULL "
                    f"OR list_contains($architectures, {self.config('architecture')})",
                    lambda raw, _m: f"{raw!r} is not an architecture; use x86_64 or arm64",
                )
            )
        return checks

    def _value_message(self, raw: str | None, _metric: str | None) -> str:
        if raw is None or not raw.strip():
            return "is empty"
        if raw.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity", "+inf"):
            return f"{raw!r} is not a finite number"
        if self.spec.delimiter == ";" and "," in raw:
            return f"{raw!r} is not a number (use a dot as the decimal separator)"
        return f"{raw!r} is not a number"


def ok_sql(checks: list[Check]) -> str:
    return " AND ".join(f"coalesce(({c.ok_sql}), false)" for c in checks)


def _timestamp_message(raw: str | None, _metric: str | None) -> str:
    if raw is None or not raw.strip():
        return "is empty"
    return f"{raw!r} is not a timestamp (use ISO 8601, e.g. 2025-05-08T04:00:00Z)"


def _unknown(kind: str, raw: str | None, known: list[str]) -> str:
    if raw is None or not raw.strip():
        return "is empty"
    return f"unknown {kind} {raw!r}; known: {', '.join(known)}"


def _unit_message(raw: str | None, metric: str | None) -> str:
    metric = (metric or "").strip().lower()
    canonical = METRICS[metric].unit if metric in METRICS else "count"
    return f"unit {raw!r} does not fit {metric}, {UNIT_HINT[canonical]}"
