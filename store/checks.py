"""Validate a batch completely before any database file is opened.

``check_batch`` runs every rule the store enforces on the batch alone: the records (known services, no
':' in an account or region, known configuration fields of the right types, times inside 2006 .. now + 1
day) and the metric rows, which are checked in SQL by a private in-memory DuckDB over the Arrow data
(no copy), or, for rows staged in a scratch database file (``store.staged``), by the same SQL over that file.
What it finds is kept in a :class:`CheckedBatch`, which ``store.writes.write_batch`` writes
without checking again. So a refused batch never creates, migrates or even opens a database, whichever
writer it comes from, and an importer can show the store's verdict in its preview.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from common.limits import ARCHITECTURES
from common.metrics import CONFIG_FIELDS, METRICS
from common.services import SERVICES
from common.timeutil import EARLIEST_TIME, latest_time, naive_utc, time_problem
from store import batch as records
from store import read_model, staged
from store.batch import METRIC_COLUMNS
from store.errors import BatchError
from store.snapshots import EndpointSnapshot
from store.staged import CheckedRows, StagedRows

if TYPE_CHECKING:
    import pandas as pd

MetricsData: TypeAlias = "pd.DataFrame | pa.Table | pa.RecordBatchReader"
TEXT_TYPES = (pa.string(), pa.large_string(), pa.string_view())
COLUMN_TYPES = {"period_start": pa.timestamp("us"), "period_s": pa.int32(), "value": pa.float64()}


class DuplicateKeyError(BatchError):
    """The batch gives two different values for one (resource, metric, period, start)."""


@dataclass(frozen=True)
class MetricFacts:
    """What the checks learnt about the metric rows, so the write need not scan them for it again."""

    rows: int
    first: datetime
    last: datetime
    # per resource: resource_id, first (start), until (end of its last period), finest_s, longest_s, sources
    spans: pa.Table
    # the rows pivoted to slots (``store.read_model.pivot_sql`` of the metrics in ``present``): the read
    # model's input when these rows are all that is stored in the hours they touch
    slots: pa.Table | None = None
    present: tuple[str, ...] = ()

    @property
    def resource_ids(self) -> list[str]:
        return self.spans["resource_id"].to_pylist()


@dataclass(frozen=True)
class CheckedBatch:
    """A batch that passed every check, frozen: changing the original ``Batch`` afterwards changes nothing here."""

    resources: tuple[records.ResourceRecord, ...] = ()
    configs: tuple[records.ConfigRecord, ...] = ()
    metrics: pa.Table | CheckedRows | None = None  # Arrow, or staged rows in a scratch file
    facts: MetricFacts | None = None
    watermarks: tuple[records.WatermarkRecord, ...] = ()
    snapshots: tuple[EndpointSnapshot, ...] = ()
    run: records.RunRecord | None = None
    upload: records.UploadRecord | None = None
    replace_source: str | None = None
    stored_ids: frozenset[str] = field(default_factory=frozenset)  # referred to, not described: must be stored

    @property
    def metric_rows(self) -> int:
        return self.facts.rows if self.facts else 0


def check_batch(batch: records.Batch | CheckedBatch, now: datetime | None = None) -> CheckedBatch:
    """Every check the store makes that needs no stored data; raises :class:`BatchError` in one line."""
    if isinstance(batch, CheckedBatch):
        return batch
    resources = tuple(batch.resources)
    configs = tuple(batch.configs)
    _check_resources(resources, now)
    _check_configs(configs, now)
    for w in batch.watermarks:
        problem = time_problem(w.collected_until, now)
        if problem:
            raise BatchError(f"the watermark of {w.source} {w.service} {w.account}/{w.region}: {problem}")
    metrics, facts = _check_metrics(batch.metrics, now)
    described = {r.resource_id for r in resources}
    referred = set(facts.resource_ids if facts else ()) | {c.resource_id for c in configs}
    return CheckedBatch(
        resources=resources,
        configs=configs,
        metrics=metrics,
        facts=facts,
        watermarks=tuple(batch.watermarks),
        snapshots=tuple(batch.snapshots),
        run=batch.run,
        upload=batch.upload,
        replace_source=batch.replace_source,
        stored_ids=frozenset(referred - described),
    )


def _check_resources(resources: tuple[records.ResourceRecord, ...], now: datetime | None) -> None:
    for r in resources:
        if r.service not in SERVICES:
            raise BatchError(f"unknown service {r.service!r} for resource {r.name!r}; known: {', '.join(SERVICES)}")
        if not r.name:
            raise BatchError(f"a {r.service} resource has an empty name")
        for field_name in ("account", "region"):
            value = getattr(r, field_name)
            if ":" in value:
                raise BatchError(
                    f"the {field_name} {value!r} of {r.service} resource {r.name!r} contains ':', which joins the "
                    "parts of a resource key (service:account:region:name)"
                )
        problem = time_problem(r.seen_at, now) if r.seen_at is not None else None
        if problem:
            raise BatchError(f"resource {r.resource_id} was seen at {problem}")


def _check_configs(configs: tuple[records.ConfigRecord, ...], now: datetime | None) -> None:
    for c in configs:
        unknown = set(c.values) - set(CONFIG_FIELDS)
        if unknown:
            raise BatchError(f"unknown configuration field(s) {sorted(unknown)} for {c.resource_id}")
        unknown_assumed = set(c.assumed) - set(CONFIG_FIELDS)
        if unknown_assumed:
            raise BatchError(f"unknown assumed field(s) {sorted(unknown_assumed)} for {c.resource_id}")
        problem = time_problem(c.valid_from, now)
        if problem:
            raise BatchError(f"the configuration of {c.resource_id} is valid from {problem}")
        for name, value in c.values.items():
            reason = _config_value_problem(name, value)
            if reason:
                raise BatchError(f"configuration field {name} of {c.resource_id}: {value!r} {reason}"[:300])


def _config_value_problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be stored in configuration column ``name``, or None."""
    if value is None:
        return None
    kind = CONFIG_FIELDS[name]
    if kind == "VARCHAR":
        if not isinstance(value, str):
            return "is not text"
        if name == "architecture" and value not in ARCHITECTURES:
            return f"is not an architecture ({', '.join(ARCHITECTURES)})"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "is not a number"
    if not math.isfinite(value) or value < 0:
        return "is not a finite number of 0 or more"
    if kind == "INTEGER" and (value != int(value) or value > 2_147_483_647):
        return "is not a whole number"
    return None


def _as_table(data: MetricsData) -> pa.Table:
    """The metric rows as an Arrow table of the store's column types (dictionary text columns kept as they are)."""
    if isinstance(data, pa.RecordBatchReader):
        table = data.read_all()
    elif "pandas" in sys.modules and isinstance(data, sys.modules["pandas"].DataFrame):  # no frame without pandas
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, pa.Table):
        table = data
    else:
        raise BatchError(f"metrics must be an Arrow table or reader, or a DataFrame, not {type(data).__name__}")
    missing = [c for c in METRIC_COLUMNS if c not in table.column_names]
    if missing:
        raise BatchError(f"the metric rows have no {', '.join(missing)} column(s)")
    columns = []
    for name in METRIC_COLUMNS:
        column = table[name]
        target = COLUMN_TYPES.get(name)
        try:
            if target is None:  # text: plain or dictionary-encoded strings
                value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
                if value_type not in TEXT_TYPES:
                    column = column.cast(pa.string())
            elif column.type != target:
                column = column.cast(target)  # a zoned timestamp becomes naive UTC; 1.5 s is refused, not cut
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise BatchError(f"the metric column {name} cannot be read as {target or 'text'}: {exc}"[:300]) from None
        columns.append(column)
    return records.in_large_chunks(pa.table(columns, names=list(METRIC_COLUMNS)))


# Rows the store refuses; the CASE keeps a period of 0 from reaching a modulo (DuckDB's "Division by zero").
_BAD_ROW = """
    resource_id IS NULL OR metric IS NULL OR source IS NULL OR period_start IS NULL
    OR value IS NULL OR isnan(value) OR isinf(value) OR value < 0 OR period_s IS NULL OR period_s <= 0
    OR period_start < $earliest OR period_start > $latest
    OR CASE WHEN period_s <= 0 THEN false
            WHEN 86400 % period_s = 0 THEN epoch_us(period_start) % (period_s * 1000000::BIGINT) <> 0
            WHEN period_s > 86400 THEN epoch_us(period_start) % 86400000000 <> 0
            ELSE false END
"""
_FIRST_BAD = (
    "SELECT resource_id, metric, period_start::VARCHAR, value, period_s FROM incoming WHERE " + _BAD_ROW + " LIMIT 1"  # noqa: S608 - fixed SQL
)


def _check_metrics(
    data: MetricsData | StagedRows | None, now: datetime | None
) -> tuple[pa.Table | CheckedRows | None, MetricFacts | None]:
    if data is None:
        return None, None
    if isinstance(data, StagedRows):  # a scratch file's rows: the same rules, in SQL over the file
        return staged.check_staged(data, now, lambda con, relation: _check_staged_rows(con, relation, data, now))
    table = _as_table(data)
    if not table.num_rows:
        return None, None
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("incoming", table)
        metrics, bounds, spans = _row_rules(con, now)
        deduped, slots = _dedupe(con, table, metrics)
        if deduped is not table:  # a repeat of a key may have named another source
            table, spans = deduped, _spans(con, bounds)
        first, last = pc.min(spans["first"]).as_py(), pc.max(spans["last_start"]).as_py()
        spans = spans.drop_columns(["bad", "last_start"])
    finally:
        con.close()
    return table, MetricFacts(table.num_rows, first, last, spans, slots, tuple(sorted(metrics)))


def _row_rules(con: duckdb.DuckDBPyConnection, now: datetime | None) -> tuple[list[str], dict[str, datetime], pa.Table]:
    """The rules on every row of ``incoming``: known metrics, then ``_BAD_ROW``; the metrics, bounds and spans."""
    metrics = [row[0] for row in con.execute("SELECT DISTINCT metric::VARCHAR FROM incoming").fetchall()]
    unknown = sorted(m for m in metrics if m not in METRICS)
    if unknown:
        raise BatchError(f"unknown metric {unknown[0]!r}; known: {', '.join(METRICS)}")
    bounds = {"earliest": EARLIEST_TIME, "latest": latest_time(now)}
    spans = _spans(con, bounds)
    if pc.any(spans["bad"]).as_py():
        _refuse_row(*con.execute(_FIRST_BAD, bounds).fetchall()[0], now)
    return metrics, bounds, spans


def _check_staged_rows(
    con: duckdb.DuckDBPyConnection, relation: str, data: StagedRows, now: datetime | None
) -> tuple[str, MetricFacts]:
    """``_check_metrics`` over staged rows (view ``incoming`` in their scratch file): their slots are written
    beside them, and exact repeats dropped into a table there."""
    metrics, bounds, spans = _row_rules(con, now)
    rows, changed = staged.dedupe_staged(con, relation, metrics, data.num_rows)
    if not rows:
        _raise_conflict(con)
    count = data.num_rows
    if changed:
        spans = _spans(con, bounds)
        count = con.execute(f"SELECT count(*) FROM {rows}").fetchall()[0][0]  # noqa: S608 - a table staged names
    first, last = pc.min(spans["first"]).as_py(), pc.max(spans["last_start"]).as_py()
    spans = spans.drop_columns(["bad", "last_start"])
    return rows, MetricFacts(int(count), first, last, spans, None, tuple(sorted(metrics)))


def _spans(con: duckdb.DuckDBPyConnection, bounds: dict[str, datetime]) -> pa.Table:
    """Per resource of ``incoming``, the span of its rows, their periods and sources, and whether any row is one
    the store refuses (``_BAD_ROW``): one pass over the rows for what three took. The sources are gathered as
    they come (a dictionary's codes) and made text once per resource."""
    return con.sql(
        f"""
        SELECT resource_id::VARCHAR AS resource_id, min(period_start) AS first,
               max(CASE WHEN bad THEN NULL ELSE period_start + to_seconds(period_s) END) AS until,
               min(period_s) AS finest_s, max(period_s) AS longest_s,
               list_sort(list(DISTINCT source)::VARCHAR[]) AS sources, max(period_start) AS last_start,
               bool_or(bad) AS bad
        FROM (SELECT *, {_BAD_ROW} AS bad FROM incoming) GROUP BY 1 ORDER BY 1
        """,  # noqa: S608 - fixed SQL
        params=bounds,
    ).to_arrow_table()


def _refuse_row(rid: Any, metric: Any, start: Any, value: Any, period_s: Any, now: datetime | None) -> None:
    """The one line for the first row ``_BAD_ROW`` found."""
    if None in (rid, metric):
        raise BatchError("a metric row has no resource_id or metric")
    where = f"{metric} of {rid} at {start}"
    if start is None:
        raise BatchError(f"a row of {metric} of {rid} has no period_start")
    when = _parse_start(start)
    problem = time_problem(when, now) if when is not None else f"{start} is outside the years a timestamp may have"
    if problem:
        raise BatchError(f"{metric} of {rid}: {problem}")
    if value is None or not math.isfinite(value) or value < 0 or period_s is None or period_s <= 0:
        raise BatchError(f"invalid value {value!r} for {where} (period {period_s} s)")
    raise BatchError(
        f"{where} is not on a multiple of its {period_s}-s period (UTC): periods must be aligned as CloudWatch "
        "and Cloud Monitoring align them, or overlapping periods would be counted twice; convert local times to UTC"
    )


def _parse_start(text: str) -> datetime | None:
    """A timestamp DuckDB printed, as a datetime; None when Python cannot hold it (year 0, BC, beyond 9999)."""
    try:
        return naive_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _dedupe(con: duckdb.DuckDBPyConnection, table: pa.Table, metrics: list[str]) -> tuple[pa.Table, pa.Table]:
    """Drop exact repeats of a key; two different values for one key are a :class:`DuplicateKeyError`.

    Returns the rows and their slots (``read_model.pivot_sql``), which the write's read model refresh reads. The
    slots also tell whether any key repeats, in the same pass: each metric's cell of a slot is filled by at least
    one row, so the rows outnumber the filled cells exactly when some key is given twice.
    """
    pivot = read_model.pivot_sql("incoming", metrics)
    slots = con.sql(pivot).to_arrow_table()
    cells = " + ".join(f'count("{m}")' for m in metrics) or "0"
    con.register("incoming_slots", slots)
    filled = con.execute(f"SELECT {cells} FROM incoming_slots").fetchall()[0][0]  # noqa: S608 - catalog names
    con.unregister("incoming_slots")
    if filled == table.num_rows:
        return table, slots
    _raise_conflict(con)
    deduped = con.sql(
        "SELECT DISTINCT ON (resource_id, metric, period_s, period_start) * FROM incoming"
    ).to_arrow_table()
    con.unregister("incoming")
    con.register("incoming", deduped)
    return deduped, con.sql(pivot).to_arrow_table()


def _raise_conflict(con: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`DuplicateKeyError` for the first key of ``incoming`` given two different values, if any."""
    conflict = con.execute(
        """
        SELECT resource_id, metric, period_start, period_s, count(DISTINCT value)
        FROM incoming GROUP BY ALL HAVING count(DISTINCT value) > 1 LIMIT 1
        """
    ).fetchall()
    if conflict:
        rid, metric, start, period_s, values = conflict[0]
        raise DuplicateKeyError(
            f"the batch gives {values} different values for {metric} of {rid} at {start} "
            f"(period {period_s} s); each period may have one value"
        )
