"""Versioned schema migrations.

Each migration is a list of statements applied in one transaction together with the row that records
it in ``schema_version``. A database made by an older version is migrated forward on its next
read-write open; a database from a *newer* version is refused rather than guessed at.

``metrics`` deliberately has no PRIMARY KEY: DuckDB's ART index made bulk loads ~6x slower and the file
~10x larger in our measurements, and every write goes through the MERGE in ``store.writes`` which
upserts on the natural key (resource_id, metric, period_s, period_start). Tests assert uniqueness.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from common.metrics import CONFIG_FIELDS
from common.timeutil import utc_now
from store import read_model
from store.errors import StoreSchemaError

_CONFIG_COLUMNS = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in CONFIG_FIELDS.items())

# A step is a statement, or a function of the connection for work SQL alone cannot bound (see migration 5).
MIGRATIONS: list[tuple[int, str, list[str | Callable[[duckdb.DuckDBPyConnection], None]]]] = [
    (
        1,
        "resources, configuration over time, metric time series",
        [
            """
            CREATE TABLE resources (
                resource_id VARCHAR PRIMARY KEY,
                provider VARCHAR NOT NULL,
                service VARCHAR NOT NULL,
                pattern VARCHAR NOT NULL,
                account VARCHAR NOT NULL,
                region VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                first_seen TIMESTAMP,
                last_seen TIMESTAMP
            )
            """,
            f"""
            CREATE TABLE resource_config (
                resource_id VARCHAR NOT NULL,
                valid_from TIMESTAMP NOT NULL,
                {_CONFIG_COLUMNS},
                assumed VARCHAR,
                source VARCHAR NOT NULL,
                PRIMARY KEY (resource_id, valid_from)
            )
            """,
            """
            CREATE TABLE metrics (
                resource_id VARCHAR NOT NULL,
                metric VARCHAR NOT NULL,
                period_start TIMESTAMP NOT NULL,
                period_s INTEGER NOT NULL,
                value DOUBLE NOT NULL,
                source VARCHAR NOT NULL
            )
            """,
        ],
    ),
    (
        2,
        "collector runs, watermarks, uploads",
        [
            """
            CREATE TABLE runs (
                run_id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                started_at TIMESTAMP NOT NULL,
                finished_at TIMESTAMP,
                status VARCHAR NOT NULL,
                rows_written BIGINT NOT NULL DEFAULT 0,
                rows_per_metric JSON,
                api_calls JSON,
                estimated_api_cost_usd DOUBLE,
                errors JSON,
                detail JSON
            )
            """,
            """
            CREATE TABLE watermarks (
                source VARCHAR NOT NULL,
                account VARCHAR NOT NULL,
                region VARCHAR NOT NULL,
                service VARCHAR NOT NULL,
                collected_until TIMESTAMP NOT NULL,
                updated_at TIMESTAMP NOT NULL,
                PRIMARY KEY (source, account, region, service)
            )
            """,
            """
            CREATE TABLE uploads (
                upload_id VARCHAR PRIMARY KEY,
                file_name VARCHAR NOT NULL,
                sha256 VARCHAR NOT NULL,
                format VARCHAR NOT NULL,
                rows BIGINT NOT NULL,
                resources INTEGER NOT NULL,
                imported_at TIMESTAMP NOT NULL
            )
            """,
        ],
    ),
    (
        3,
        "endpoint snapshots: status and instance count observed by each collector run",
        [
            """
            CREATE TABLE endpoint_snapshots (
                resource_id VARCHAR NOT NULL,
                observed_at TIMESTAMP NOT NULL,
                status VARCHAR NOT NULL,
                instance_count INTEGER,
                created_at TIMESTAMP,
                last_modified_at TIMESTAMP,
                source VARCHAR NOT NULL,
                PRIMARY KEY (resource_id, observed_at)
            )
            """,
        ],
    ),
    (
        4,
        "billed charges from billing exports (FOCUS, AWS CUR 2.0, Google Cloud detailed export), per day",
        [
            # One row per upload, billing period, account, day, resource as billed, charge category and
            # usage type (see store.billing). No primary key, like ``metrics``: a write replaces every row of
            # the (provider, billing period, account) pairs it brings, so keys never collide.
            """
            CREATE TABLE billing_charges (
                upload_id VARCHAR NOT NULL,
                provider VARCHAR NOT NULL,
                billing_period DATE NOT NULL,
                account VARCHAR NOT NULL,
                billing_account VARCHAR,
                day DATE NOT NULL,
                region VARCHAR,
                service_name VARCHAR NOT NULL,
                billed_resource_id VARCHAR,
                match_family VARCHAR,
                match_account VARCHAR,
                match_region VARCHAR,
                match_name VARCHAR,
                resource_id VARCHAR,
                charge_category VARCHAR NOT NULL,
                charge_type VARCHAR,
                usage_type VARCHAR,
                usage_unit VARCHAR,
                usage_quantity DOUBLE,
                billed_cost DOUBLE NOT NULL,
                effective_cost DOUBLE,
                list_cost DOUBLE,
                contracted_cost DOUBLE,
                currency VARCHAR NOT NULL
            )
            """,
        ],
    ),
    (
        5,
        "the read model: resolved hourly usage per resource, and facts per resource (data span, periods, sources)",
        [*read_model.CREATE_TABLES, read_model.build],
    ),
    (
        6,
        "the data version every write advances, and the persisted summaries keyed by it (store.summaries)",
        [
            "CREATE TABLE data_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
            "INSERT INTO data_version VALUES (1, 0)",
            """
            CREATE TABLE summary_entries (
                key VARCHAR PRIMARY KEY,
                data_version BIGINT NOT NULL,
                code_version VARCHAR NOT NULL,
                label VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL,
                parts JSON NOT NULL
            )
            """,
            """
            CREATE TABLE summary_rows (
                key VARCHAR NOT NULL,
                part VARCHAR NOT NULL,
                pos INTEGER NOT NULL,
                resource_id VARCHAR,
                body VARCHAR NOT NULL,
                digest VARCHAR NOT NULL
            )
            """,
        ],
    ),
]
DATA_VERSION_SINCE = 6  # from this migration on, a migration may change what the analysis reads: it counts

SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    return int(version) if version is not None else 0


def apply_migrations(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target``; returns the version found before migrating."""
    found = schema_version(con)
    if found > SCHEMA_VERSION:
        raise StoreSchemaError(
            f"This database was written by a newer Breakeven (schema {found}, this code knows {SCHEMA_VERSION}). "
            "Upgrade Breakeven; the file was not changed."
        )
    if found == 0:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
    for version, description, statements in MIGRATIONS:
        if version <= found or version > target:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                if callable(statement):
                    statement(con)
                else:
                    con.execute(statement)
            if version > DATA_VERSION_SINCE:  # stored summaries describe the data before this migration
                con.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [version, description, utc_now()],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return found
