"""The steps every billing format shares: stage, check, split into UTC days, parse resource ids, hand over.

A format module (``focus``, ``cur``, ``gcp``) turns a file into a :class:`Plan`: one SELECT that reads the
file into the common charge columns (typed with ``TRY_CAST``, so a bad value becomes NULL instead of an
error), the checks those columns must pass, and how staged rows become charge rows (GCP's credits become
rows of their own). Everything runs in DuckDB (in memory, a scratch file for a large file), never row by row:

1. the file is read once into ``staged`` (file order is kept, so a row's number is its position);
2. the checks count bad rows in one pass; if any, up to ``MAX_LISTED`` of them are named by row and column
   and the file is refused (nothing reaches the store);
3. charges are spread over the UTC days their charge period covers (a monthly tax line spreads evenly over
   the month; hourly lines fall in their day) and summed per day and dimension;
4. resource ids are parsed into the identity the store matches on (``importers.billing.resource_ids``), once
   per distinct resource id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from importers.billing.files import Source
from importers.billing.resource_ids import identity_select
from importers.problems import MAX_LISTED, ImportRejected, Problem
from store.billing import CHARGE_SCHEMA

STAGED_COLUMNS = (
    "charge_start",
    "charge_end",
    "billing_period",
    "provider",
    "account",
    "billing_account",
    "region",
    "service_name",
    "billed_resource_id",
    "charge_category",
    "charge_type",
    "usage_type",
    "usage_unit",
    "usage_quantity",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "currency",
)
DIMENSIONS = (
    "provider",
    "billing_period",
    "account",
    "billing_account",
    "region",
    "service_name",
    "billed_resource_id",
    "charge_category",
    "charge_type",
    "usage_type",
    "usage_unit",
    "currency",
)
AMOUNTS = ("usage_quantity", "billed_cost", "effective_cost", "list_cost", "contracted_cost")


def ts(expr: str) -> str:
    """A timestamp in any ISO-8601 spelling (``Z``, an offset, BigQuery's `` UTC``, none = UTC) as naive UTC."""
    return f"timezone('UTC', try_cast({expr} AS TIMESTAMPTZ))"


def num(expr: str) -> str:
    return f"try_cast({expr} AS DOUBLE)"


def text(expr: str) -> str:
    return f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def raw(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR)"


def raw_when_bad(typed: str, column: str, *, number: bool = False) -> str:
    """The raw text of ``column``, kept only where its typed value failed (for the message naming it): casting
    every Parquet timestamp or number back to text would cost more than reading the file."""
    bad = f"({typed} IS NULL OR NOT isfinite({typed}))" if number else f"{typed} IS NULL"
    return f"CASE WHEN {bad} THEN {raw(column)} END"


def first_text(source: Source, *names: str) -> str:
    """The first non-empty value among the columns ``names`` the file has (NULL when it has none)."""
    found = [text(column) for column in (source.column(name) for name in names) if column is not None]
    if not found:
        return "CAST(NULL AS VARCHAR)"
    return found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"


@dataclass(frozen=True)
class Check:
    """Rows of ``staged`` where ``bad`` holds are a problem in ``column``; ``{value}`` shows ``value``."""

    column: str
    bad: str
    message: str
    value: str | None = None


def parse_checks(column: str, typed: str, raw_column: str, what: str, *, required: bool) -> list[Check]:
    """An empty value (when required) and a value that is not ``what`` (a timestamp, a number…)."""
    checks = []
    if required:
        checks.append(
            Check(column, f"({typed} IS NULL AND ({raw_column} IS NULL OR trim({raw_column}) = ''))", "is empty")
        )
    finite = f" OR NOT isfinite({typed})" if what.endswith("number") else ""
    checks.append(
        Check(
            column,
            f"({raw_column} IS NOT NULL AND trim({raw_column}) <> '' AND ({typed} IS NULL{finite}))",
            f"{{value}} is not {what}",
            raw_column,
        )
    )
    return checks


@dataclass
class Plan:
    """How one format reads a file: the staging SELECT, its checks, and the expansion into charge rows."""

    format: str
    staged: str  # a SELECT over ``{source}`` producing STAGED_COLUMNS (and raw columns for the checks)
    checks: list[Check]
    charges: str = "SELECT * FROM staged"
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required columns the file lacks
    note_queries: list[tuple[str, str]] = field(default_factory=list)  # (SELECT of values over staged, template)


def _reject_missing(source: Source, plan: Plan) -> None:
    if plan.missing:
        place = {"row": 1} if source.kind == "csv" else {"where": "schema"}
        problems = [Problem("is missing: this column is required", column=name, **place) for name in plan.missing]
        raise ImportRejected(source.name, problems)


def stage(con: duckdb.DuckDBPyConnection, source: Source, plan: Plan) -> int:
    """Read the file once into the ``staged`` table (its row ids are the file's row order, which messages
    name); returns its row count."""
    _reject_missing(source, plan)
    sql = plan.staged.replace("{source}", source.reader())
    try:
        con.execute(f"CREATE OR REPLACE TABLE staged AS {sql}", source.params)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportRejected.single(source.name, f"could not be read: {first}") from None
    con.execute("CHECKPOINT")  # a scratch file's rows compressed and on disk (nothing to do in memory)
    return int(con.execute("SELECT count(*) FROM staged").fetchall()[0][0])


def check(con: duckdb.DuckDBPyConnection, source: Source, plan: Plan, rows: int) -> None:
    """Count each check's bad rows in one pass; name up to ``MAX_LISTED`` of them when there are any."""
    if rows == 0:
        raise ImportRejected.single(source.name, "has no charges (no rows after the header)")
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c.bad})" for c in plan.checks) + " FROM staged"  # noqa: S608
    ).fetchall()[0]
    if not any(counts):
        return
    found: list[Problem] = []
    for check_, count in zip(plan.checks, counts, strict=True):
        if not count:
            continue
        value = check_.value or "NULL"
        listed = con.execute(
            f"SELECT rowid, {value} FROM staged WHERE {check_.bad} ORDER BY rowid LIMIT {MAX_LISTED}"  # noqa: S608
        ).fetchall()
        for index, shown in listed:
            number = int(index) + source.row_offset
            place = {"row": number} if source.kind == "csv" else {"where": f"record {number}"}
            message = check_.message.format(value=repr(shown) if shown is not None else "an empty value")
            found.append(Problem(message, column=check_.column, **place))
    found.sort(key=lambda p: (p.row or int((p.where or "record 0").split()[-1]), p.column or ""))
    raise ImportRejected(source.name, found[:MAX_LISTED], int(sum(counts)))


def query_notes(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[str]:
    """Notes that depend on the rows (e.g. line item types kept as adjustments)."""
    notes = []
    for sql, template in plan.note_queries:
        values = [str(row[0]) for row in con.execute(sql).fetchall()]
        if values:
            notes.append(template.format(values=", ".join(values)))
    return notes


def daily_sql(charges: str) -> str:
    """Charges spread over the UTC days their period covers, in proportion to the time in each day."""
    dims = ", ".join(DIMENSIONS)
    sums = ", ".join(AMOUNTS)
    weighted = ", ".join(f"{a} * w AS {a}" for a in AMOUNTS)
    totals = ", ".join(f"sum({a}) AS {a}" for a in AMOUNTS)
    return f"""
        WITH c AS NOT MATERIALIZED ({charges}),
        one_day AS (
            SELECT {dims}, CAST(charge_start AS DATE) AS day, {sums} FROM c
            WHERE charge_end <= date_trunc('day', charge_start) + INTERVAL 1 DAY
        ),
        spread AS (
            SELECT *, unnest(range(date_trunc('day', charge_start), charge_end, INTERVAL 1 DAY)) AS d FROM c
            WHERE charge_end > date_trunc('day', charge_start) + INTERVAL 1 DAY
        ),
        many_days AS (
            SELECT {dims}, CAST(d AS DATE) AS day, {weighted}
            FROM (SELECT *, (epoch(least(d + INTERVAL 1 DAY, charge_end)) - epoch(greatest(d, charge_start)))
                            / (epoch(charge_end) - epoch(charge_start)) AS w FROM spread)
        )
        SELECT {dims}, day, {totals}
        FROM (SELECT * FROM one_day UNION ALL SELECT * FROM many_days)
        GROUP BY ALL
    """  # noqa: S608 - fixed column names


def charges_table(con: duckdb.DuckDBPyConnection, plan: Plan) -> pa.Table:
    """The staged file as daily charge rows with parsed resource identities, in the store's schema."""
    con.execute(f"CREATE OR REPLACE TABLE daily AS {daily_sql(plan.charges)}")
    keys = ("billed_resource_id", "service_name", "account", "region")
    joined = " AND ".join(f"d.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
    columns = ", ".join(f"p.{name}" if name.startswith("match_") else f"d.{name}" for name in CHARGE_SCHEMA.names)
    sql = f"""
        WITH ids AS (SELECT DISTINCT {", ".join(keys)} FROM daily),
        parsed AS (SELECT *, {identity_select(*keys)} FROM ids)
        SELECT {columns} FROM daily d LEFT JOIN parsed p ON {joined}
        ORDER BY d.provider, d.account, d.day, d.service_name, d.billed_resource_id, d.charge_category, d.usage_type
    """  # noqa: S608 - fixed column names
    return con.sql(sql).to_arrow_table().cast(CHARGE_SCHEMA)
