"""Errors the collectors raise for a person to read: each message is one line that says what to do.

Which exit code each becomes is decided in one place, ``breakeven.exits``; the collectors know nothing of
processes or exit codes, so the runner and the sources can be driven from a test or another program.
"""

from __future__ import annotations


class CollectorError(Exception):
    """A collector failure worth one line: ``str(error)`` says what happened and what to do."""


class ConfigError(CollectorError):
    """The collector configuration (a TOML file, or an option of the run) cannot be used."""


class LockHeldError(CollectorError):
    """Another collector run holds the database's run lock; the message names its holder."""
