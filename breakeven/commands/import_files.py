"""``python -m breakeven import FILE...``: import exported metrics files and billing exports (docs/import.md).

Metrics files and bills (FOCUS, AWS CUR 2.0, the Google Cloud detailed export) are told apart by their
content and may be given together. Prints a JSON summary on success. A rejected file prints its problems
one per line (at most 20, each naming the file, row and column), then one ``error:`` line, exits 2 and
writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from breakeven.commands.summary_flag import add_flag, refresh_after_write
from breakeven.exits import EXIT_USAGE, CliError
from breakeven.terminal import status_line
from common.settings import resolve_db_path
from importers.files import InputFile
from importers.formats import FORMATS
from importers.model import ImportOptions
from importers.problems import ImportRejected
from importers.wide_csv import read_wide_table
from importers.wide_mapping import guess_mapping, load_mapping


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "import",
        parents=[parent],
        help=(
            "import exported metrics files (long CSV, CloudWatch, Logs Insights, Cloud Monitoring, wide CSV) and "
            "billing exports (FOCUS, AWS CUR 2.0, Google Cloud)"
        ),
        description=(
            "Import exported metrics files and billing exports into the database. The format is detected; "
            "every file is checked completely first and written in one transaction, or not at all. Importing "
            "the same file again changes nothing; a bill for a month already imported replaces that month's "
            "rows for its accounts (give the parts of one month together). Formats: "
            + "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files to import")
    p.add_argument("--format", choices=list(FORMATS), help="skip detection and read the files as this format")
    p.add_argument("--queries", metavar="FILE", help="cloudwatch-json: the MetricDataQueries JSON that was run")
    p.add_argument("--mapping", metavar="FILE", help="wide: JSON mapping of columns to service, resource, metric")
    p.add_argument(
        "--mapping-template", action="store_true", help="wide: print a mapping guessed from the headers and exit"
    )
    p.add_argument("--account", default="", help="metrics: account or project for rows that do not name one")
    p.add_argument("--region", default="", help="metrics: region for rows that do not name one")
    p.add_argument("--resource", help="logs-insights: the function name, when the export has no @log column")
    p.add_argument("--period", type=int, metavar="SECONDS", help="logs-insights: aggregation period (default 3600)")
    p.add_argument("--max-size-mb", type=float, metavar="MB", help="refuse files larger than this (default: no limit)")
    p.add_argument("--dry-run", action="store_true", help="check the files and print the summary; write nothing")
    add_flag(p)
    p.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> ImportOptions:
    if args.period is not None and args.period <= 0:
        raise CliError("--period must be a whole number of seconds above 0")
    for problem in ImportOptions(account=args.account, region=args.region).problems("--"):
        raise CliError(problem)
    mapping = load_mapping(Path(args.mapping)) if args.mapping else None
    queries = Path(args.queries) if args.queries else None
    if queries is not None and not queries.is_file():
        raise CliError(f"--queries {queries}: no such file")
    return ImportOptions(
        format=args.format,
        queries=queries,
        mapping=mapping,
        account=args.account,
        region=args.region,
        resource=args.resource,
        period_s=args.period,
        max_bytes=int(args.max_size_mb * 1e6) if args.max_size_mb else None,
    )


def _print_template(files: list[InputFile], args: argparse.Namespace) -> int:
    tables = {}
    for f in files:
        table = read_wide_table(f)
        tables[f.name] = guess_mapping(
            table.value_columns, table.header[table.time_index], "", args.account, args.region
        )
    out = {name: m.to_json() for name, m in tables.items()}
    print(json.dumps(next(iter(out.values())) if len(out) == 1 else out, indent=2))
    return 0


def run(args: argparse.Namespace) -> int:
    from importers.orchestrate import RejectedFiles, import_files  # DuckDB and Arrow: only when importing

    files = [InputFile.from_path(f) for f in args.files]
    missing = [str(f.path) for f in files if not f.path.is_file()]
    if missing:
        raise CliError(f"no such file: {', '.join(missing)}")
    started = time.monotonic()
    try:
        if args.mapping_template:
            return _print_template(files, args)
        options = _options(args)
        path = resolve_db_path(args.db)
        status = status_line()
        try:
            results = import_files(
                path, files, options, dry_run=args.dry_run, progress=status.progress if status else None
            )
        finally:
            if status:
                status.clear()
    except ImportRejected as exc:  # a mapping file, or a file read for --mapping-template
        return _report([exc], [])
    except RejectedFiles as exc:
        if exc.written:  # the files that passed were written: the summary describes them
            refresh_after_write(args, path)
        return _report(exc.rejections, [w.as_dict() for w in exc.written])
    report = {
        "db": str(path),
        "dry_run": bool(args.dry_run),
        "files": [r.as_dict() for r in results],
        "seconds": round(time.monotonic() - started, 2),
    }
    print(json.dumps(report, default=str))
    if not args.dry_run:
        refresh_after_write(args, path)
    return 0


def _report(rejections: list[ImportRejected], written: list[dict[str, object]]) -> int:
    for rejection in rejections:
        for line in rejection.lines():
            print(line, file=sys.stderr)
    if written:
        print(json.dumps({"files": written}, default=str))
    names = ", ".join(r.file_name for r in rejections)
    first = rejections[0].summary()
    more = f" (and {len(rejections) - 1} more file(s): {names})" if len(rejections) > 1 else ""
    print(f"error: {first}{more}", file=sys.stderr)
    return EXIT_USAGE
