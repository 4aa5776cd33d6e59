"""Errors the store raises; each message is one plain line a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """A store problem worth one plain line to the user."""


class StoreBusyError(StoreError):
    """Another process held a conflicting lock for longer than the bounded wait."""


class StoreMissingError(StoreError):
    """A read was asked of a database file that does not exist."""


class StoreSchemaError(StoreError):
    """The file's schema version is not the one this code reads."""


class BatchError(StoreError):
    """A batch failed validation; nothing was written."""
