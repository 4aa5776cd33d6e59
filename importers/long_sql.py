"""SQL pieces for the generic long CSV: the reading plan and the column expressions its rules are written over.

The fast path (``importers.long_stage``) and the diagnosis of a rejected file (``importers.long_diagnose``)
derive the very same columns from here, and ``importers.long_checks`` states the rules over them. The catalog
words (service, metric) are read through ENUM types of the catalog, so each row holds a small index and their
checks look at a handful of distinct values. Column identifiers are generated (``c0``, ``c1``, ...), never
taken from the file; every value from a user is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from common.metrics import CONFIG_FIELDS, METRICS
from common.services import SERVICES
from common.timeutil import EARLIEST_TIME, latest_time
from importers.units import UNIT_FACTORS, metrics_with_unit
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


CATALOG_TYPES = {"staged_service": list(SERVICES), "staged_metric": list(METRICS)}


def create_catalog_types(con: duckdb.DuckDBPyConnection) -> None:
    """ENUM types of the catalog's services and metrics: a cast to one is a dictionary lookup that both checks a
    value and stores it once (Arrow gets a dictionary column), for the fast path and the diagnosis alike."""
    for name, values in CATALOG_TYPES.items():
        literals = ", ".join("'" + v.replace("'", "''") + "'" for v in values)  # catalog names, not user input
        con.execute(f"CREATE TYPE IF NOT EXISTS {name} AS ENUM ({literals})")


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


def _whole(number: str) -> str:
    """``number`` (a DOUBLE) as an INTEGER when it is a whole number in INTEGER's range, else NULL."""
    return f"CASE WHEN {number} = floor({number}) AND abs({number}) <= 2147483647 THEN {number}::INTEGER ELSE NULL END"
