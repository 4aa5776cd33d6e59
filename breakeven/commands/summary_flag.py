"""The stored summary after a write command (``analysis.stored_summary``): the default view's tables and
spend computed and stored once the write has committed, outside its transaction (the write itself stays as
fast as before), so the dashboard's first visitor reads rows instead of replaying the estate. One line on
stderr says it was refreshed and how long it took (stdout stays the command's own output, JSON for most).
``--no-summary`` skips it."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

NO_SUMMARY_HELP = (
    "do not refresh the stored summary of the dashboard's default view after the write (it replays every "
    "resource: seconds for the demo, about 80 s of CPU at 5,000 resources, which a frequent cron job may "
    "rather leave to the dashboard's first visitor)"
)


def add_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-summary", action="store_true", help=NO_SUMMARY_HELP)


def refresh_after_write(args: argparse.Namespace, path: Path) -> None:
    """Refresh the default view's stored summary unless ``--no-summary``; never fails the command, whose
    write has already committed (a summary not stored is computed by the dashboard on first view)."""
    if getattr(args, "no_summary", False):
        return
    from analysis.stored_summary import refresh_default  # numpy and the engine only when refreshing

    try:
        line = refresh_default(Path(path)).line()
    except Exception as exc:  # a cache: the data is written, so this is a note, not the command's failure
        log.debug("summary refresh failed", exc_info=True)
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        line = f"summary: not refreshed ({why}); the dashboard computes it on first view"
    print(line, file=sys.stderr)
