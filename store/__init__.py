"""Breakeven's store: the only code that opens DuckDB (schema, migrations, writes, page queries)."""

from store.db import connect, ensure_database, run_read
from store.errors import BatchError, StoreBusyError, StoreError, StoreMissingError, StoreSchemaError

__all__ = [
    "BatchError",
    "StoreBusyError",
    "StoreError",
    "StoreMissingError",
    "StoreSchemaError",
    "connect",
    "ensure_database",
    "run_read",
]
