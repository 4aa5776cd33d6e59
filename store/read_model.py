"""The read model: one row per resource-hour with a column per canonical metric, and facts per resource.

The pages and the analysis read hours and days, while ``metrics`` holds whatever resolutions the writers
brought (hourly history, per-minute recent data, a daily upload). Resolving those on every read cost the
Overview most of its time (issue 11). So ``write_batch`` resolves them once, inside its transaction, for
the resource-hours the batch touches, by the rule ``store.queries.rollup_sql`` applies at a one-hour bucket
(docs/architecture.md, "Flow of data" 3): rows longer than an hour are spread evenly over the hours they
cover, a stored period hides the finer periods it contains, a stored period always hides a spread one, so
every instant is counted once. Per-minute rows stay in ``metrics`` for what needs them (cold starts,
minute-level replay, windows of two days or less).

``usage_hourly`` also keeps, for each request- or time-weighted mean, the weight it was taken over
(``<metric>_weight``), so coarser buckets (days) combine hours exactly: a mean of means would not.
``resource_facts`` holds per resource what the freshness table and the sidebar need (first and last instant
of stored data, finest and longest period, the sources that wrote it), so no page scans ``metrics`` for it.

Both are plain tables over plain columns: nothing here needs DuckDB's own storage, so the same queries run
over Parquet files of the same columns (docs/performance.md, "Beyond one machine").
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from common.metrics import METRICS
from common.timeutil import EARLIEST_TIME, latest_time

HOUR_S = 3600
WEIGHTS = {
    "mean_by_invocations": "invocations",
    "mean_by_cold_starts": "cold_starts",
    "mean_by_time": "period_s",
}
# Means carry the weight they were taken over; sums and maxima combine without one.
WEIGHTED = tuple(name for name, m in METRICS.items() if m.rollup in WEIGHTS)
SUMMED = tuple(name for name, m in METRICS.items() if m.rollup == "sum")


def weight_column(metric: str) -> str:
    return f"{metric}_weight"


_METRIC_COLUMNS = ",\n    ".join(f"{name} DOUBLE" for name in METRICS)
_WEIGHT_COLUMNS = ",\n    ".join(f"{weight_column(name)} DOUBLE" for name in WEIGHTED)

CREATE_TABLES = [
    f"""
    CREATE TABLE usage_hourly (
        resource_id VARCHAR NOT NULL,
        hour TIMESTAMP NOT NULL,
        covered_s BIGINT NOT NULL,
        period_s INTEGER NOT NULL,
        {_METRIC_COLUMNS},
        {_WEIGHT_COLUMNS}
    )
    """,  # no PRIMARY KEY, like ``metrics``: the refresh deletes the hours it rewrites, so keys never repeat
    """
    CREATE TABLE resource_facts (
        resource_id VARCHAR PRIMARY KEY,
        data_from TIMESTAMP NOT NULL,
        data_until TIMESTAMP NOT NULL,
        finest_period_s INTEGER NOT NULL,
        longest_period_s INTEGER NOT NULL,
        sources VARCHAR[] NOT NULL
    )
    """,
]


def _hour_aggregates() -> str:
    """Per hour, each metric by its catalog rule (the expressions of ``store.queries._rollup_expressions``), and
    the weight of each mean."""
    parts = ["sum(k.period_s) AS covered_s", "max(k.native_s) AS period_s"]
    for name, metric in METRICS.items():
        rule = metric.rollup
        if rule == "sum":
            parts.append(f"sum(k.{name}) AS {name}")
        elif rule == "max":
            parts.append(f"max(k.{name}) AS {name}")
        else:
            by = WEIGHTS[rule]
            if by == "period_s":
                numerator = f"sum(k.{name} * k.period_s)"
                weight = f"sum(k.period_s) FILTER (WHERE k.{name} IS NOT NULL)"
            else:
                numerator = f"sum(k.{name} * k.{by}) FILTER (WHERE k.{by} > 0)"
                weight = f"sum(k.{by}) FILTER (WHERE k.{by} > 0 AND k.{name} IS NOT NULL)"
            parts.append(f"{numerator} / nullif({weight}, 0) AS {name}")
            parts.append(
                f"CASE WHEN {numerator} / nullif({weight}, 0) IS NOT NULL THEN {weight} END AS {weight_column(name)}"
            )
    return ",\n           ".join(parts)


def pivot_sql(source: str, present: list[str] | None = None) -> str:
    """Slots of the metric rows of ``source``: one row per (resource, period start, period), a column per metric.

    ``present`` names the metrics the rows hold (the others are not computed; ``resolve_sql`` reads them as
    NULL); every catalog metric when None.
    """
    names = list(METRICS) if present is None else [m for m in METRICS if m in present]
    pivot = ", ".join(f"max(value) FILTER (WHERE metric = '{name}') AS {name}" for name in names)
    return (
        f"SELECT resource_id::VARCHAR AS resource_id, period_start, period_s, {pivot} "  # noqa: S608 - catalog names
        f"FROM {source} GROUP BY ALL"
    )


def resolve_sql(scope: str, slots: str | None = None, present: list[str] | None = None) -> str:
    """SQL for the resolved hours of the resources and hour ranges in table ``scope`` (resource_id, lo, hi).

    The same rule as ``store.queries.rollup_sql`` at a 3600-s bucket, over every catalog metric, computed on
    slots (a resource's metrics of one period pivoted onto one row) rather than on metric rows. The slots are
    pivoted here from ``metrics``, or, when ``slots`` names a table of them (``pivot_sql`` of a batch whose
    rows are all that ``metrics`` holds in the scope's hours and the hour before; ``present`` its metrics),
    read from it. Two cases
    need no shadowing at all, and they are nearly every hour stored: a resource stored at one resolution
    (nothing to shadow), and an hour holding a stored hourly period (which hides every other slot that
    starts in it, and is hidden by none). Only the other hours of resources stored at several resolutions
    go through the shadowing joins. Rows starting up to an hour before ``lo`` are read too: a stored period
    that shadows a finer one inside ``lo`` may start in the hour before (a 40-minute period at 00:40 holds
    01:00-01:20); only hours in [lo, hi) are returned.
    """
    columns = list(METRICS)
    stored_cols = ", ".join(columns)
    spread_cols = ", ".join(
        f"max({name} * {HOUR_S} / period_s)" if name in SUMMED else f"max({name})" for name in columns
    )
    return f"""
        WITH stored AS ({_stored_sql(scope, slots, present)}),
        pieces AS (
            SELECT *, unnest(range(period_s // {HOUR_S})) AS piece FROM stored WHERE period_s > {HOUR_S}
        ),
        slots AS (
            SELECT resource_id, period_start, period_s, period_s AS native_s, lo, hi, {stored_cols}
            FROM stored WHERE period_s <= {HOUR_S} AND period_start >= lo - INTERVAL 1 HOUR
            UNION ALL
            -- rows of one length longer than a day may overlap (they are aligned to days only): their pieces
            -- of one hour are one slot, as in rollup_sql's pivot
            SELECT resource_id, period_start + to_seconds(piece * {HOUR_S}) AS start, {HOUR_S}, period_s,
                   any_value(lo), any_value(hi), {spread_cols}
            FROM pieces
            WHERE period_start + to_seconds(piece * {HOUR_S}) >= lo - INTERVAL 1 HOUR
              AND period_start + to_seconds(piece * {HOUR_S}) < hi
            GROUP BY resource_id, start, period_s
        ),
        hours AS (
            SELECT *, time_bucket(to_seconds({HOUR_S}), period_start) AS hour FROM slots
        ),
        kinds AS (  -- one resolution (nothing to shadow): nearly every resource
            SELECT resource_id, min(native_s) = max(native_s) AS single FROM hours GROUP BY resource_id
        ),
        mixed AS (
            SELECT h.*, bool_or(h.native_s = {HOUR_S}) OVER (PARTITION BY h.resource_id, h.hour) AS hourly_here
            FROM hours h JOIN kinds USING (resource_id) WHERE NOT kinds.single
        ),
        mixed_kinds AS (
            SELECT resource_id, bool_and(hourly_here) AS hourly_everywhere FROM mixed GROUP BY resource_id
        ),
        plain AS (
            SELECT h.* FROM hours h JOIN kinds USING (resource_id) WHERE kinds.single
            UNION ALL
            SELECT m.* EXCLUDE (hourly_here) FROM mixed m JOIN mixed_kinds USING (resource_id)
            WHERE mixed_kinds.hourly_everywhere AND m.native_s = {HOUR_S}
        ),
        ranked AS (
            SELECT m.* EXCLUDE (hourly_here),
                   CASE WHEN native_s > period_s THEN -native_s ELSE period_s * 2 END AS strength
            FROM mixed m JOIN mixed_kinds USING (resource_id) WHERE NOT mixed_kinds.hourly_everywhere
        ),
        lengths AS (SELECT DISTINCT resource_id, period_s FROM ranked),
        contained AS (
            SELECT DISTINCT resource_id, hour AS period_start
            FROM ranked WHERE native_s = period_s AND period_s < {HOUR_S}
        ),
        candidates AS (
            SELECT c.resource_id, c.period_s, c.period_start, c.native_s, c.strength, l.period_s AS outer_s,
                   time_bucket(to_seconds(l.period_s), c.period_start) AS outer_start
            FROM ranked c JOIN lengths l ON l.resource_id = c.resource_id AND l.period_s >= c.period_s
        ),
        shadowed AS (
            SELECT c.resource_id, c.period_s, c.period_start, c.native_s
            FROM candidates c JOIN ranked o
              ON o.resource_id = c.resource_id AND o.period_s = c.outer_s AND o.period_start = c.outer_start
            WHERE o.strength > c.strength
            UNION
            SELECT r.resource_id, r.period_s, r.period_start, r.native_s
            FROM ranked r JOIN contained i USING (resource_id, period_start)
            WHERE r.native_s > r.period_s
        ),
        k AS (
            SELECT * FROM plain
            UNION ALL
            SELECT * EXCLUDE (strength)
            FROM ranked ANTI JOIN shadowed USING (resource_id, period_s, period_start, native_s)
        )
        SELECT k.resource_id, k.hour,
           {_hour_aggregates()}
        FROM k
        WHERE k.hour >= k.lo AND k.hour < k.hi
        GROUP BY k.resource_id, k.hour
    """  # noqa: S608 - metric names come from the catalog, the scope is a table this module names


def _stored_sql(scope: str, slots: str | None, present: list[str] | None) -> str:
    """The slots of the scope's resources starting before ``hi`` and ending after ``lo`` less an hour."""
    if slots is None:
        pivot = ", ".join(f"max(m.value) FILTER (WHERE m.metric = '{name}') AS {name}" for name in METRICS)
        return f"""
            SELECT m.resource_id, m.period_start, m.period_s, any_value(s.lo) AS lo, any_value(s.hi) AS hi, {pivot}
            FROM metrics m JOIN {scope} s USING (resource_id)
            WHERE m.period_start < s.hi AND m.period_start + to_seconds(m.period_s) > s.lo - INTERVAL 1 HOUR
            GROUP BY m.resource_id, m.period_start, m.period_s
        """  # noqa: S608 - catalog names, tables this module names
    given = set(METRICS) if present is None else set(present)
    values = ", ".join(f"p.{name}" if name in given else f"NULL::DOUBLE AS {name}" for name in METRICS)
    return f"""
        SELECT p.resource_id, p.period_start, p.period_s, s.lo, s.hi, {values}
        FROM {slots} p JOIN {scope} s USING (resource_id)
        WHERE p.period_start < s.hi AND p.period_start + to_seconds(p.period_s) > s.lo - INTERVAL 1 HOUR
    """  # noqa: S608 - catalog names, tables this module names


def refresh_hours(
    con: duckdb.DuckDBPyConnection, scope: str, slots: str | None = None, present: list[str] | None = None
) -> None:
    """Rewrite the hours of ``scope`` (resource_id, lo, hi; hour-aligned) from ``metrics`` (or the batch's
    ``slots``, see ``resolve_sql``), in the caller's transaction: what the batch changed, deleted or shadowed
    there is resolved again, nothing else is touched."""
    con.execute(
        f"""
        DELETE FROM usage_hourly h USING {scope} s
        WHERE h.resource_id = s.resource_id AND h.hour >= s.lo AND h.hour < s.hi
        """  # noqa: S608 - a table this module names
    )
    con.execute(f"INSERT INTO usage_hourly BY NAME ({resolve_sql(scope, slots, present)})")


def alone_in_its_hours(con: duckdb.DuckDBPyConnection, spans: str) -> bool:
    """Whether no stored row lies in the hours the batch's rows touch, or the hour before (per resource; table
    ``spans`` as ``store.checks.MetricFacts.spans``), by the stored facts, before the batch is written.

    Then the batch's rows are all that ``metrics`` holds where ``resolve_sql`` reads, so the hours can be
    resolved from the batch's own slots, and no stored row can share a key with it. The facts count the rows
    inside the span a write accepts, and ``resolve_sql`` reads only rows that end after the scope's start less
    an hour and start before its end: a resource whose stored rows all end before, or start after, is alone.
    """
    sql = f"""
        SELECT count(*) FROM {spans} i JOIN resource_facts f USING (resource_id)
        WHERE f.data_until > time_bucket(to_seconds({HOUR_S}), i.first) - INTERVAL 1 HOUR
          AND f.data_from < time_bucket(to_seconds({HOUR_S}), i.until - INTERVAL 1 MICROSECOND) + INTERVAL 1 HOUR
    """  # noqa: S608 - a table the caller names
    return not con.execute(sql).fetchall()[0][0]


def _facts_select(resources: str | None) -> tuple[str, list[object]]:
    """Facts counted from ``metrics`` for the resources in table ``resources`` (all when None), over the rows
    inside the span a write accepts (an older version may have stored a row dated 9999)."""
    lo, hi = storable_span()
    only = f"AND resource_id IN (SELECT resource_id FROM {resources})" if resources else ""  # noqa: S608
    sql = f"""
        SELECT resource_id, min(period_start) AS data_from, max(period_start + to_seconds(period_s)) AS data_until,
               min(period_s) AS finest_period_s, max(period_s) AS longest_period_s,
               list_sort(list(DISTINCT source)) AS sources
        FROM metrics WHERE period_start >= ? AND period_start < ? {only}
        GROUP BY resource_id
    """  # noqa: S608 - a table the caller names
    return sql, [lo, hi]


def storable_span() -> tuple[datetime, datetime]:
    """[earliest, latest) of the period starts the read model holds: what a write accepts, plus a day."""
    return EARLIEST_TIME, latest_time() + timedelta(days=1)


def refresh_facts(con: duckdb.DuckDBPyConnection, resources: str) -> None:
    """Recompute the facts of the resources in table ``resources`` (resource_id) from ``metrics``: exact after
    deletes and after updates that changed a row's source."""
    con.execute(
        f"DELETE FROM resource_facts WHERE resource_id IN (SELECT resource_id FROM {resources})"  # noqa: S608
    )
    sql, params = _facts_select(resources)
    con.execute(f"INSERT INTO resource_facts {sql}", params)


def build(con: duckdb.DuckDBPyConnection, chunk: int = 250) -> None:
    """Fill the read model from ``metrics`` (the migration that adds it), ``chunk`` resources at a time so an
    estate of thousands is resolved in bounded memory."""
    sql, params = _facts_select(None)
    con.execute(f"INSERT INTO resource_facts {sql}", params)
    ids = [row[0] for row in con.execute("SELECT resource_id FROM resource_facts ORDER BY 1").fetchall()]
    for at in range(0, len(ids), chunk):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE read_model_scope AS
            SELECT resource_id, time_bucket(to_seconds({HOUR_S}), data_from) AS lo,
                   time_bucket(to_seconds({HOUR_S}), data_until - INTERVAL 1 MICROSECOND) + INTERVAL 1 HOUR AS hi
            FROM resource_facts WHERE list_contains(?::VARCHAR[], resource_id)
            """,  # noqa: S608 - fixed SQL
            [ids[at : at + chunk]],
        )
        con.execute(f"INSERT INTO usage_hourly BY NAME ({resolve_sql('read_model_scope')})")
    con.execute("DROP TABLE IF EXISTS read_model_scope")


def merge_facts(con: duckdb.DuckDBPyConnection, incoming: str) -> None:
    """Fold the facts of rows just inserted (table ``incoming``, the columns of ``resource_facts``) into the
    stored facts: exact when no stored row was deleted or changed its source."""
    con.execute(
        f"""
        INSERT INTO resource_facts SELECT * FROM {incoming}
        ON CONFLICT (resource_id) DO UPDATE SET
            data_from = least(resource_facts.data_from, excluded.data_from),
            data_until = greatest(resource_facts.data_until, excluded.data_until),
            finest_period_s = least(resource_facts.finest_period_s, excluded.finest_period_s),
            longest_period_s = greatest(resource_facts.longest_period_s, excluded.longest_period_s),
            sources = list_sort(list_distinct(list_concat(resource_facts.sources, excluded.sources)))
        """  # noqa: S608 - a table the caller names
    )


def changed_spans_sql(where: str) -> str:
    """Per resource, the span of the stored rows ``where`` selects (taken before a delete removes them)."""
    return (
        "SELECT resource_id, min(period_start) AS first, max(period_start + to_seconds(period_s)) AS until "  # noqa: S608
        f"FROM metrics WHERE {where} GROUP BY resource_id"
    )


def refresh_after_write(
    con: duckdb.DuckDBPyConnection,
    spans: list[str],
    *,
    incoming: str | None,
    deleted: bool,
    updated: bool,
    slots: str | None = None,
    present: list[str] | None = None,
) -> None:
    """Bring the read model up to date with a write, inside its transaction.

    ``spans`` name tables (resource_id, first, until) of what the write inserted, updated or deleted;
    ``incoming`` the batch's per-resource facts (``store.checks.MetricFacts.spans``), folded into the stored
    facts. Folding is exact unless rows were deleted, or updated rows may have changed their source (an
    update of a resource written by one source only cannot): then the facts of the resources the write
    touched are counted again from ``metrics``. ``slots``: the batch's slots, when ``alone_in_its_hours`` said
    its rows are all that is stored where the hours are resolved (``present``: the metrics they hold).
    """
    if not spans:
        return
    union = " UNION ALL ".join(f"SELECT resource_id, first, until FROM {name}" for name in spans)  # noqa: S608
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE read_model_scope AS
        SELECT resource_id, time_bucket(to_seconds({HOUR_S}), min(first)) AS lo,
               time_bucket(to_seconds({HOUR_S}), max(until) - INTERVAL 1 MICROSECOND) + INTERVAL 1 HOUR AS hi
        FROM ({union}) GROUP BY resource_id
        """  # noqa: S608 - tables the caller names
    )
    try:
        refresh_hours(con, "read_model_scope", slots, present)
        if incoming is not None:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE read_model_facts AS SELECT resource_id, first AS data_from, "  # noqa: S608
                "until AS data_until, finest_s AS finest_period_s, longest_s AS longest_period_s, sources "
                f"FROM {incoming}"
            )
            try:
                merge_facts(con, "read_model_facts")
            finally:
                con.execute("DROP TABLE read_model_facts")
        mixed = updated and incoming is not None and _several_sources(con, incoming)
        if deleted or mixed:
            refresh_facts(con, "read_model_scope")
    finally:
        con.execute("DROP TABLE read_model_scope")


def _several_sources(con: duckdb.DuckDBPyConnection, incoming: str) -> bool:
    """Whether a resource of the batch has rows of more than one source (so an update may have moved one)."""
    sql = (
        "SELECT count(*) FROM resource_facts f JOIN "  # noqa: S608
        f"{incoming} i USING (resource_id) WHERE len(f.sources) > 1"
    )
    return bool(con.execute(sql).fetchall()[0][0])
