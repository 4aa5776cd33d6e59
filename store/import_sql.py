"""SQL pieces for importing the generic long CSV: column expressions and the row checks.

The fast path (``store.imports.stage_long_csv``) and the diagnosis of a rejected file
(``store.import_diagnose``) are built from the same definitions here, so a row that fails the fast
path's combined ``ok`` flag is always explained by at least one named check. Column identifiers are
generated (``c0``, ``c1``, ...), never taken from the file; every value from a user is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from common.limits import ARCHITECTURES
from common.metrics import METRICS
from common.services import SERVICES
from store.exports import unguard_sql
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
WHOLE_ROLES = ("memory_mb", "instance_count")  # configuration columns that hold whole numbers
TEXT_ROLES = ("architecture", "instance_type")

DEFAULT_PERIOD_S = 3600
MAX_LINE_BYTES = 1 << 20
# A timestamp names a zone when it ends in a letter (Z, UTC, a zone name) or in an offset after the time.
ZONE_PATTERN = r"(?:[^0-9.\s]|:\d\d(?:\.\d*)?\s*[+-]\d\d(?::?\d\d)?)\s*$"


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


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """DuckDB refuses parameters a statement does not use; keep the ones its own parser finds in ``sql``
    (a ``$word`` inside a string literal or a comment is not a parameter, which a regex could not tell)."""
    names: set[str] = set()
    for statement in duckdb.extract_statements(sql):
        names |= set(statement.named_parameters)
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
    """SQL over one file's raw VARCHAR columns, in two levels.

    ``derived_select`` computes each typed value once (``d_ts``, ``d_service``, ``d_value``, ...) next to
    the raw columns; the checks and the staged columns are written over those names, so the fast path
    and the diagnosis evaluate the very same expressions. The common case stays cheap: a service or
    metric already spelled as in the catalog skips the trim/lower, and DuckDB's casts accept
    surrounding spaces themselves.
    """

    spec: LongCsvSpec
    params: dict[str, Any] = field(default_factory=dict)

    def raw(self, role: str) -> str:
        return f"c{self.spec.roles[role]}" if self.spec.has(role) else "NULL::VARCHAR"

    def text(self, role: str) -> str:
        return f"nullif(trim({self.raw(role)}), '')"

    @staticmethod
    def unneutralise(expr: str) -> str:
        """Undo the export's formula guard (``store.exports.unguard_sql``)."""
        return unguard_sql(expr)

    def _catalog_word(self, role: str, known: str) -> str:
        raw = self.raw(role)
        return f"CASE WHEN list_contains(${known}, {raw}) THEN {raw} ELSE lower(trim({raw})) END"

    def _scoped(self, role: str, default_key: str) -> str:
        raw = f"nullif({self.raw(role)}, '')"
        return f"coalesce({self.unneutralise(raw)}, ${default_key})"

    def _factor(self) -> str:
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
                f"WHEN list_contains(${key}_metrics, d_metric) THEN ${key}_factors[list_position(${key}_names, {unit})]"
            )
        return f"(CASE {' '.join(branches)} ELSE NULL END)"

    def derived_select(self, source: str) -> str:
        """``SELECT`` of the raw columns plus every derived one, from ``source`` (a reader or a table)."""
        self.params.update(services=list(SERVICES), metrics=list(METRICS), zone_pattern=ZONE_PATTERN)
        ts = self.raw("timestamp")
        first = [
            "*",
            # The common export shape ends in 'Z' (UTC): DuckDB's TIMESTAMP cast reads it ~2.5x faster than the
            # TIMESTAMPTZ cast, and such a row needs no regular expression to know it has a zone.
            f"CASE WHEN ends_with({ts}, 'Z') THEN TRY_CAST({ts} AS TIMESTAMP) "
            f"ELSE TRY_CAST({ts} AS TIMESTAMPTZ)::TIMESTAMP END AS d_ts",
            f"CASE WHEN ends_with({ts}, 'Z') THEN true ELSE regexp_matches({ts}, $zone_pattern) END AS d_zoned",
            f"{self._catalog_word('service', 'services')} AS d_service",
            f"{self._catalog_word('metric', 'metrics')} AS d_metric",
            f"{self.unneutralise(self.raw('resource'))} AS d_name",
            f"{self._scoped('account', 'default_account')} AS d_account",
            f"{self._scoped('region', 'default_region')} AS d_region",
            f"TRY_CAST({self.raw('value')} AS DOUBLE) AS d_raw_value",
            f"TRY_CAST({self.raw('period_s')} AS DOUBLE) AS d_period_number",
        ]
        first += [
            f"{self.config(role)} AS d_{role}" for role in CONFIG_ROLES if self.spec.has(role) and role in TEXT_ROLES
        ]
        first += [
            f"TRY_CAST({self.raw(role)} AS DOUBLE) AS d_{role}_number" for role in WHOLE_ROLES if self.spec.has(role)
        ]
        inner = ", ".join(first)
        # Whole-number columns are read as DOUBLE and kept only when whole: an INTEGER cast would round 1.5 to 2.
        wholes = [f"{_whole('d_period_number')} AS d_period"]
        wholes += [f"{_whole(f'd_{role}_number')} AS d_{role}" for role in WHOLE_ROLES if self.spec.has(role)]
        second = f"SELECT *, {self._factor()} AS d_factor, {', '.join(wholes)} FROM (SELECT {inner} FROM {source})"  # noqa: S608
        return f"SELECT *, d_raw_value * d_factor AS d_value FROM ({second})"  # noqa: S608 - generated SQL

    @property
    def resource_id(self) -> str:
        return "concat(d_service, ':', d_account, ':', d_region, ':', d_name)"

    def config(self, role: str) -> str:
        """A text configuration column (the whole-number ones are derived in ``derived_select``)."""
        if role == "architecture":
            return f"lower({self.text(role)})"
        return self.text(role)

    def checks(self) -> list[Check]:
        """Every row rule for this file's columns, over the derived columns, in reading order."""
        known_services = list(SERVICES)
        known_metrics = list(METRICS)
        self.params.update(pct_metrics=metrics_with_unit("%"), architectures=list(ARCHITECTURES))
        checks = [
            Check("timestamp", "timestamp", "d_ts IS NOT NULL", _timestamp_message),
            Check(
                "service",
                "service",
                "list_contains($services, d_service)",
                lambda raw, _m: _unknown("service", raw, known_services),
            ),
            Check(
                "resource",
                "resource",
                _not_blank(self.raw("resource")),
                lambda _r, _m: "is empty",
            ),
            Check(
                "metric",
                "metric",
                "list_contains($metrics, d_metric)",
                lambda raw, _m: _unknown("metric", raw, known_metrics),
            ),
            Check("value", "value", "isfinite(d_raw_value)", self._value_message),
            Check(
                "negative",
                "value",
                "d_raw_value IS NULL OR NOT isfinite(d_raw_value) OR d_raw_value >= 0",
                lambda raw, m: f"{raw.strip() if raw else raw} is negative; {m or 'a metric'} cannot be negative",
            ),
        ]
        if self.spec.has("unit"):
            checks.append(
                Check("unit", "unit", "NOT list_contains($metrics, d_metric) OR d_factor IS NOT NULL", _unit_message)
            )
        checks.append(
            Check(
                "percent",
                "value",
                "d_value IS NULL OR d_value <= 100 OR NOT isfinite(d_value) "
                "OR NOT list_contains($pct_metrics, d_metric)",
                lambda raw, m: f"{raw} is above 100; {m} is a percentage of the whole instance (0-100)",
            )
        )
        if self.spec.has("period_s"):
            p = self.raw("period_s")
            checks.append(
                Check(
                    "period_s",
                    "period_s",
                    f"d_period > 0 OR {p} IS NULL OR trim({p}) = ''",
                    lambda raw, _m: f"{raw!r} is not a whole number of seconds above 0",
                )
            )
            checks.append(
                Check(
                    "aligned",
                    "timestamp",
                    # periods start on multiples of their length in UTC (days: at midnight UTC), as CloudWatch
                    # and Cloud Monitoring align them; otherwise overlapping periods would be counted twice
                    "d_ts IS NULL OR d_period IS NULL OR d_period <= 0 "
                    "OR (86400 % d_period <> 0 AND d_period < 86400) "
                    "OR epoch_us(d_ts) % (least(d_period, 86400) * 1000000::BIGINT) = 0",
                    lambda raw, _m: (
                        f"{raw!r} does not start a period: periods start on multiples of their length "
                        "in UTC (convert local times to UTC)"
                    ),
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
                        f"{self.text(role)} IS NULL OR d_{role} {rule}",
                        lambda raw, _m, hint=hint: f"{raw!r} is not {hint}",
                    )
                )
        if self.spec.has("architecture"):
            checks.append(
                Check(
                    "architecture",
                    "architecture",
                    "d_architecture IS NULL OR list_contains($architectures, d_architecture)",
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


def _whole(number: str) -> str:
    """``number`` (a DOUBLE) as an INTEGER when it is a whole number in INTEGER's range, else NULL."""
    return f"CASE WHEN {number} = floor({number}) AND abs({number}) <= 2147483647 THEN {number}::INTEGER ELSE NULL END"


def _not_blank(raw: str) -> str:
    """Not empty and not only spaces; trims only the rare value that starts or ends with a space."""
    return f"{raw} <> '' AND ((NOT starts_with({raw}, ' ') AND NOT ends_with({raw}, ' ')) OR trim({raw}) <> '')"


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
