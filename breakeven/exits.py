"""The exit codes of every ``breakeven`` command, and the one mapping from an error to its code.

Each code has one meaning whatever the command, so a cron job or a script can act on it without knowing
which command failed. Every error a command lets escape is turned here into one line on stderr and its
code (``breakeven.cli.main``); nothing else in the code base decides an exit code.
"""

from __future__ import annotations

from collectors.errors import CollectorError, LockHeldError
from common.settings import SettingsError
from pricing.errors import PricingError, RefreshError
from store import StoreError, StoreMissingError

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_STORE = 4
EXIT_FAILED = 5
EXIT_SOFTWARE = 70  # sysexits' EX_SOFTWARE: an error no one foresaw, a bug to report
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, what a Unix tool killed by a closed pipe reports

# code -> meaning; docs/collectors.md and the README print this table, and a test holds them to it.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "done; for `run`, every scope collected",
    EXIT_PARTIAL: "`run` only: some scopes failed (the output and the run record say why); the others were written",
    EXIT_USAGE: (
        "usage or configuration error, nothing touched: an argument, the collectors TOML file, a BREAKEVEN_* "
        "variable, a usage or overrides file, a rejected import file, or no database at the path given"
    ),
    EXIT_LOCKED: "`run` only: another run holds the lock (the line names its PID, host and start time)",
    EXIT_STORE: "the database stayed busy (another process writing) beyond the bounded wait, or is unreadable",
    EXIT_FAILED: "failed: a `run` collected nothing (the run record says why), or a `refresh` got no prices",
    EXIT_SOFTWARE: "an unexpected error, a bug: one line, and the traceback with --traceback; please report it",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); nothing from the unfinished step was written",
    EXIT_CLOSED_PIPE: "the reader of the output went away (`| head`); silent, like any Unix tool",
}

# (exception type, exit code), most specific first: the first match decides.
_BY_TYPE: tuple[tuple[type[BaseException], int], ...] = (
    (LockHeldError, EXIT_LOCKED),
    (CollectorError, EXIT_USAGE),
    (SettingsError, EXIT_USAGE),
    (StoreMissingError, EXIT_USAGE),  # a wrong --db / BREAKEVEN_DB is a usage error, not a busy store
    (StoreError, EXIT_STORE),
    (RefreshError, EXIT_FAILED),
    (PricingError, EXIT_USAGE),
)


class CliError(Exception):
    """A command's own one-line failure (a bad option value, an unwritable --out): usage unless it says."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def exit_code_for(exc: BaseException) -> int | None:
    """The documented code of an error a command let escape, or None for a bug (which keeps its traceback)."""
    if isinstance(exc, CliError):
        return exc.exit_code
    for kind, code in _BY_TYPE:
        if isinstance(exc, kind):
            return code
    return None


def exit_code_for_run(status: str) -> int:
    """A collector run's code from its recorded status (``ok``, ``partial`` or ``failed``)."""
    return {"ok": EXIT_OK, "partial": EXIT_PARTIAL, "failed": EXIT_FAILED}[status]
