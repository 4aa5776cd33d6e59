"""``python -m breakeven export``: the stored metrics as the generic long CSV (docs/import.md).

The CSV re-imports into the same data (``python -m breakeven import``), and text cells that a
spreadsheet would run as formulas are neutralised. The selection flags are ``report``'s (the same words
select the same resources and window as a page's sidebar does for its download): without them,
everything is exported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from breakeven.commands.selection import add_selection, filter_values, window
from breakeven.exits import CliError
from common.settings import resolve_db_path
from store.exports import export_long_csv, export_to_file
from store.queries import Filters


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "export",
        parents=[parent],
        help="write the stored metrics (all, or a selection) as the generic long CSV",
        description=(
            "Write the stored metrics as the generic long CSV (timestamp, service, resource, metric, value, "
            "period_s, region, account, and the configuration in effect). Importing the file into an empty "
            "database reproduces the data it selects. Without selection flags everything is exported."
        ),
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    add_selection(
        p,
        since_help="rows from this ISO date or time, UTC (2026-11-01, 2026-11-01T18:15)",
        until_help="rows before this ISO time (exclusive) or through this date, UTC",
        resource=True,
    )
    p.set_defaults(handler=run)


def selection(args: argparse.Namespace) -> Filters:
    """The rows the flags select, as the store's filters; a bad value is one line naming its flag."""
    since, until = window(args)
    return Filters(**filter_values(args), since=since, until=until)


def run(args: argparse.Namespace) -> int:
    path = resolve_db_path(args.db)
    filters = selection(args)
    started = time.monotonic()
    if args.out:
        out = Path(args.out)
        if not out.parent.is_dir():
            raise CliError(f"--out {args.out}: the folder {out.parent} does not exist")
        try:
            rows = export_to_file(path, out, filters)
        except OSError as exc:  # permissions, a full disk, a directory given as the file
            raise CliError(f"--out {args.out}: cannot write it ({exc.strerror or type(exc).__name__})") from None
        report = {"db": str(path), "out": args.out, "rows": rows, "seconds": round(time.monotonic() - started, 2)}
        print(json.dumps(report))
    else:
        export_long_csv(path, sys.stdout.buffer, filters)
        sys.stdout.buffer.flush()
    return 0
