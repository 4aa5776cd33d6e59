"""Breakeven's store: the only code that opens DuckDB (schema, migrations, writes, page queries)."""

from store.db import DEFAULT_DB, connect, ensure_database, resolve_db_path, run_read
from store.errors import BatchError, StoreBusyError, StoreError, StoreMissingError, StoreSchemaError

__all__ = [
    "DEFAULT_DB",
    "BatchError",
    "StoreBusyError",
    "StoreError",
    "StoreMissingError",
    "StoreSchemaError",
    "connect",
    "ensure_database",
    "resolve_db_path",
    "run_read",
]
