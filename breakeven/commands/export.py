"""``python -m breakeven export``: every stored metric as the generic long CSV (docs/import.md).

The CSV re-imports into the same data (``python -m breakeven import``), and text cells that a
spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from breakeven.exits import CliError
from common.settings import resolve_db_path
from store.exports import export_long_csv, export_to_file


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "export",
        parents=[parent],
        help="write every stored metric as the generic long CSV",
        description=(
            "Write every stored metric as the generic long CSV (timestamp, service, resource, metric, value, "
            "period_s, region, account). Importing the file into an empty database reproduces the data."
        ),
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = resolve_db_path(args.db)
    started = time.monotonic()
    if args.out:
        out = Path(args.out)
        if not out.parent.is_dir():
            raise CliError(f"--out {args.out}: the folder {out.parent} does not exist")
        try:
            rows = export_to_file(path, out)
        except OSError as exc:  # permissions, a full disk, a directory given as the file
            raise CliError(f"--out {args.out}: cannot write it ({exc.strerror or type(exc).__name__})") from None
        report = {"db": str(path), "out": args.out, "rows": rows, "seconds": round(time.monotonic() - started, 2)}
        print(json.dumps(report))
    else:
        export_long_csv(path, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return 0
