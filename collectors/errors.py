"""Errors the collector CLI turns into one line on stderr and a documented exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1  # some sources failed; the others were written
EXIT_USAGE = 2  # configuration or usage error; a rejected import file; no database at the path given
EXIT_LOCKED = 3  # another run holds the lock
EXIT_STORE = 4  # the database is busy beyond the bounded wait, or unreadable
EXIT_FAILED = 5  # a collector run collected nothing (every scope failed); its run record says why


class CliError(Exception):
    """A failure worth one line: ``message`` says what happened and what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(CliError):
    exit_code = EXIT_USAGE


class LockHeldError(CliError):
    exit_code = EXIT_LOCKED
