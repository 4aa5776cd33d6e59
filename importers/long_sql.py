"""SQL pieces for the generic long CSV: the reading plan, column expressions and the row checks.

The fast path (``importers.long_stage``) and the diagnosis of a rejected file (``importers.long_diagnose``) are
built from the same definitions here, so a row that fails the fast path is always explained by at least one
named check. A check is either part of every row's ``ok`` flag (numbers, timestamps, free text) or, for the
catalog words (service, metric, and the unit that must fit the metric), evaluated once per distinct value of
the staged columns: the words are read through ENUM types of the catalog, so each row holds a small index and
the check looks at a handful of distinct values. Column identifiers are generated (``c0``, ``c1``, ...), never
taken from the file; every value from a user is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from common.limits import ARCHITECTURES
from common.metrics import CONFIG_FIELDS, METRICS
from common.services import SERVICES
from common.timeutil import EARLIEST_TIME, latest_time, naive_utc, time_problem
from importers.problems import quoted, shorten
from importers.units import UNIT_FACTORS, UNIT_HINT, metrics_with_unit
from store.exports import unguard_sql

CONFIG_ROLES = tuple(CONFIG_FIELDS)  # every configuration field, as the export writes them
OPTIONAL_ROLES = ("period_s", "region", "account", "unit", *CONFIG_ROLES, "assumed")
WHOLE_ROLES = tuple(f for f, kind in CONFIG_FIELDS.items() if kind == "INTEGER")
NUMBER_ROLES = tuple(f for f, kind in CONFIG_FIELDS.items() if kind == "DOUBLE")
TEXT_ROLES = tuple(f for f, kind in CONFIG_FIELDS.items() if kind == "VARCHAR")
ABOVE_ZERO = ("memory_mb", "vcpu")  # configuration numbers that cannot be 0

DEFAULT_PERIOD_S = 3600
MAX_LINE_BYTES = 1 << 20
# A timestamp names a zone when it ends in a letter (Z, UTC, a zone name) or in an offset after the time.
ZONE_PATTERN = r"(?:[^0-9.\s]|:\d\d(?:\.\d*)?\s*[+-]\d\d(?::?\d\d)?)\s*$"
# An offset after the time beyond ±14:00 (15 h or more, 14 h and some minutes) or with 60 minutes or more.
BAD_OFFSET_PATTERN = r":\d\d(?:\.\d*)?\s*[+-](?:(?:1[5-9]|[2-9]\d)(?::?\d\d)?|14:?(?:0[1-9]|[1-5]\d)|\d\d:?[6-9]\d)\s*$"


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

    @property
    def config_roles(self) -> list[str]:
        return [r for r in CONFIG_ROLES if self.has(r)]

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


CATALOG_TYPES = {"staged_service": list(SERVICES), "staged_metric": list(METRICS)}


def create_catalog_types(con: duckdb.DuckDBPyConnection) -> None:
    """ENUM types of the catalog's services and metrics: a cast to one is a dictionary lookup that both checks a
    value and stores it once (Arrow gets a dictionary column), for the fast path and the diagnosis alike."""
    for name, values in CATALOG_TYPES.items():
        literals = ", ".join("'" + v.replace("'", "''") + "'" for v in values)  # catalog names, not user input
        con.execute(f"CREATE TYPE IF NOT EXISTS {name} AS ENUM ({literals})")


def _not_metric(rule: str) -> str:
    """A rule for metric rows only: configuration rows (no metric, no value) pass it."""
    return f"d_is_config OR ({rule})"


@dataclass
class Expressions:
    """SQL over one file's raw VARCHAR columns, in two levels.

    ``derived_select`` computes each typed value once (``d_ts``, ``d_service``, ``d_value``, ...) next to the
    raw columns; the checks and the staged columns are written over those names, so the fast path and the
    diagnosis evaluate the very same expressions. A row whose metric and value are both empty but which gives
    configuration is a configuration row (``d_is_config``): the configuration in effect from its timestamp.
    """

    spec: LongCsvSpec
    now: datetime | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def raw(self, role: str) -> str:
        return f"c{self.spec.roles[role]}" if self.spec.has(role) else "NULL::VARCHAR"

    def text(self, role: str) -> str:
        return f"nullif(trim({self.raw(role)}), '')"

    def _catalog_word(self, role: str, known: str) -> str:
        raw = self.raw(role)
        return f"CASE WHEN list_contains(${known}, {raw}) THEN {raw} ELSE lower(trim({raw})) END"

    def _scoped(self, role: str, default_key: str) -> str:
        raw = f"nullif({self.raw(role)}, '')"
        return f"coalesce({unguard_sql(raw)}, ${default_key})"

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

    def _is_config(self) -> str:
        roles = self.spec.config_roles + (["assumed"] if self.spec.has("assumed") else [])
        if not roles:
            return "false"
        # A CASE, not ANDs of trims: this runs on every row, and the common row (a metric) leaves at its first test.
        given = " OR ".join(f"coalesce({self.raw(r)}, '') <> ''" for r in roles)
        metric, value = self.raw("metric"), self.raw("value")
        return f"CASE WHEN coalesce({metric}, '') <> '' OR coalesce({value}, '') <> '' THEN false ELSE ({given}) END"

    def derived_select(self, source: str) -> str:
        """``SELECT`` of the raw columns plus every derived one, from ``source`` (a reader or a table)."""
        self.params.update(
            services=list(SERVICES),
            metrics=list(METRICS),
            zone_pattern=ZONE_PATTERN,
            bad_offset=BAD_OFFSET_PATTERN,
            earliest=EARLIEST_TIME,
            latest=latest_time(self.now),
        )
        ts = self.raw("timestamp")
        first = [
            "*",
            # The common export shape ends in 'Z' (UTC): DuckDB's TIMESTAMP cast reads it ~2.5x faster than the
            # TIMESTAMPTZ cast, and such a row needs no regular expression to know it has a zone.
            f"CASE WHEN ends_with({ts}, 'Z') THEN TRY_CAST({ts} AS TIMESTAMP) "
            f"ELSE TRY_CAST({ts} AS TIMESTAMPTZ)::TIMESTAMP END AS d_ts",
            f"CASE WHEN ends_with({ts}, 'Z') THEN true ELSE regexp_matches({ts}, $zone_pattern) END AS d_zoned",
            f"CASE WHEN ends_with({ts}, 'Z') THEN false ELSE regexp_matches({ts}, $bad_offset) END AS d_bad_offset",
            f"{self._catalog_word('service', 'services')} AS d_service",
            f"{self._catalog_word('metric', 'metrics')} AS d_metric",
            f"{unguard_sql(self.raw('resource'))} AS d_name",
            f"{self._scoped('account', 'default_account')} AS d_account",
            f"{self._scoped('region', 'default_region')} AS d_region",
            f"TRY_CAST({self.raw('value')} AS DOUBLE) AS d_raw_value",
            f"TRY_CAST({self.raw('period_s')} AS DOUBLE) AS d_period_number",
            f"{self._is_config()} AS d_is_config",
        ]
        first += [f"{self.config(role)} AS d_{role}" for role in TEXT_ROLES if self.spec.has(role)]
        first += [
            f"TRY_CAST({self.raw(r)} AS DOUBLE) AS d_{r}_number"
            for r in (*WHOLE_ROLES, *NUMBER_ROLES)
            if self.spec.has(r)
        ]
        if self.spec.has("assumed"):
            first.append(f"{self.text('assumed')} AS d_assumed")
        inner = ", ".join(first)
        # Whole-number columns are read as DOUBLE and kept only when whole: an INTEGER cast would round 1.5 to 2.
        wholes = [f"{_whole('d_period_number')} AS d_period"]
        wholes += [f"{_whole(f'd_{role}_number')} AS d_{role}" for role in WHOLE_ROLES if self.spec.has(role)]
        wholes += [f"d_{role}_number AS d_{role}" for role in NUMBER_ROLES if self.spec.has(role)]
        wholes.append(f"{self.resource_id} AS d_resource_id")
        wholes += ["TRY_CAST(d_service AS staged_service) AS d_service_known"]
        wholes += ["TRY_CAST(d_metric AS staged_metric) AS d_metric_known"]
        second = f"SELECT *, {self._factor()} AS d_factor, {', '.join(wholes)} FROM (SELECT {inner} FROM {source})"  # noqa: S608
        return f"SELECT *, d_raw_value * d_factor AS d_value FROM ({second})"  # noqa: S608 - generated SQL

    @property
    def resource_id(self) -> str:
        return "concat(d_service, ':', d_account, ':', d_region, ':', d_name)"

    def config(self, role: str) -> str:
        """A text configuration column (the numeric ones are derived in ``derived_select``)."""
        if role == "architecture":
            return f"lower({self.text(role)})"
        return unguard_sql(self.text(role))  # the export guards text against spreadsheet formulas

    def checks(self) -> list[Check]:
        """Every rule for this file's columns, over the derived columns, in reading order."""
        known_services = list(SERVICES)
        known_metrics = list(METRICS)
        self.params.update(
            pct_metrics=metrics_with_unit("%"), architectures=list(ARCHITECTURES), config_fields=list(CONFIG_FIELDS)
        )
        checks = [
            Check("timestamp", "timestamp", "d_ts IS NOT NULL", _timestamp_message),
            Check("offset", "timestamp", "NOT d_bad_offset", _offset_message),
            Check(
                "time_range",
                "timestamp",
                "d_ts IS NULL OR (d_ts >= $earliest AND d_ts <= $latest)",
                lambda raw, _m: _range_message(raw, self.now),
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
            Check("value", "value", _not_metric("isfinite(d_raw_value)"), self._value_message, by_store=True),
            Check(
                "negative",
                "value",
                "d_raw_value IS NULL OR NOT isfinite(d_raw_value) OR d_raw_value >= 0",
                lambda raw, m: f"{_stripped(raw)} is negative; {m or 'a metric'} cannot be negative",
                by_store=True,
            ),
        ]
        if self.spec.has("unit"):
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
                "d_value IS NULL OR d_value <= 100 OR NOT isfinite(d_value) "
                "OR NOT list_contains($pct_metrics, d_metric)",
                lambda raw, m: f"{_stripped(raw)} is above 100; {m} is a percentage of the whole instance (0-100)",
            )
        )
        if self.spec.has("period_s"):
            checks += self._period_checks()
        for role in ("account", "region"):
            if self.spec.has(role):
                checks.append(
                    Check(
                        role,
                        role,
                        f"NOT contains(d_{role}, ':')",
                        lambda raw, _m: f"{quoted(raw)} contains ':', which Breakeven uses to join resource keys",
                    )
                )
        checks += self._config_checks()
        return checks

    def _period_checks(self) -> list[Check]:
        p = self.raw("period_s")
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

    def _config_checks(self) -> list[Check]:
        checks = []
        for role in (*WHOLE_ROLES, *NUMBER_ROLES):
            if not self.spec.has(role):
                continue
            rule = "> 0" if role in ABOVE_ZERO else ">= 0"
            whole = role in WHOLE_ROLES
            unit = " of MB" if role == "memory_mb" else ""
            hint = f"a whole number{unit} above 0" if rule == "> 0" and whole else None
            hint = hint or ("a whole number, 0 or more" if whole else "a number above 0")
            raw = self.raw(role)  # trimmed only when it does not read as a number (a trim per row costs)
            number = f"d_{role}"
            ok = f"CASE WHEN {number} IS NOT NULL THEN isfinite({number}) AND {number} {rule} "
            ok += f"ELSE {raw} IS NULL OR trim({raw}) = '' END"
            checks.append(Check(role, role, ok, lambda raw, _m, hint=hint: f"{quoted(raw)} is not {hint}"))
        if self.spec.has("architecture"):
            checks.append(
                Check(
                    "architecture",
                    "architecture",
                    "d_architecture IS NULL OR list_contains($architectures, d_architecture)",
                    lambda raw, _m: f"{quoted(raw)} is not an architecture; use x86_64 or arm64",
                )
            )
        if self.spec.has("assumed"):
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

    def _value_message(self, raw: str | None, _metric: str | None) -> str:
        if raw is None or not raw.strip():
            return "is empty"
        if raw.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity", "+inf"):
            return f"{quoted(raw)} is not a finite number"
        if self.spec.delimiter == ";" and "," in raw:
            return f"{quoted(raw)} is not a number (use a dot as the decimal separator)"
        return f"{quoted(raw)} is not a number"


def _whole(number: str) -> str:
    """``number`` (a DOUBLE) as an INTEGER when it is a whole number in INTEGER's range, else NULL."""
    return f"CASE WHEN {number} = floor({number}) AND abs({number}) <= 2147483647 THEN {number}::INTEGER ELSE NULL END"


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
