"""``python -m breakeven run``: one collector run for cron (or a dry run that touches nothing)."""

from __future__ import annotations

import argparse
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

from breakeven import terminal
from breakeven.commands.run_report import print_plan, print_run
from breakeven.commands.summary_flag import add_flag, refresh_after_write
from breakeven.exits import exit_code_for_run
from collectors.config import load_config
from collectors.errors import ConfigError
from collectors.runner import RunOptions, execute
from common.progress import no_progress
from common.settings import resolve_db_path
from common.timeutil import naive_utc, utc_now

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_when(value: str, now: datetime) -> datetime:
    """ISO date/time (naive = UTC) or a relative age such as ``36h`` or ``30d``; returns naive UTC."""
    match = _RELATIVE.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"cannot read time {value!r}: use a UTC ISO date/time (2026-11-01, 2026-11-01T06:00) or an age (36h, 30d)"
        ) from None
    return naive_utc(parsed)


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "run",
        parents=[parent],
        help="collect metrics and inventory from the configured cloud sources (for cron)",
        description=(
            "Collect from every [[sources]] entry of the configuration file into the database, in one short "
            "write. Incremental: each (source, account, region, service) resumes from its watermark minus a lag "
            "window. Exit codes: 0 ok, 1 partial (some scopes failed, the rest was written), 2 configuration or "
            "usage error, 3 another run holds the lock, 4 database busy, 5 failed (nothing collected)."
        ),
    )
    p.add_argument("--config", default="collectors.toml", metavar="PATH", help="TOML file (default collectors.toml)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be fetched, the API calls and the estimated API cost; fetch and write nothing",
    )
    p.add_argument("--since", metavar="WHEN", help="backfill from WHEN (UTC ISO time, or an age like 30d)")
    p.add_argument("--until", metavar="WHEN", help="backfill up to WHEN (default: now)")
    p.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging, with tracebacks")
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    add_flag(p)
    p.set_defaults(handler=run)


def options_from_args(args: argparse.Namespace) -> RunOptions:
    config = load_config(Path(args.config))
    db_path = resolve_db_path(args.db, config.db)
    now = utc_now()
    since = parse_when(args.since, now) if args.since else None
    until = parse_when(args.until, now) if args.until else None
    if until is not None and until > now:
        until = now
    if since is not None and since >= (until or now):
        raise ConfigError(f"--since {args.since} is not before --until {args.until or 'now'}")
    if until is not None and since is None:
        raise ConfigError("--until needs --since (a backfill names both ends, or just --since)")
    names = {s.settings.name for s in config.sources}
    unknown = [n for n in args.source if n not in names]
    if unknown:
        raise ConfigError(f"--source {unknown[0]!r} is not in {config.path} (sources: {', '.join(sorted(names))})")
    return RunOptions(
        config=config,
        db_path=db_path,
        dry_run=args.dry_run,
        since=since,
        until=until,
        sources=tuple(args.source),
        now=now,
    )


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    status = terminal.setup_logging(verbose=args.verbose, quiet=args.quiet)
    show = (lambda _fraction, message: status.show(message)) if status else no_progress
    started = time.monotonic()
    try:
        result = execute(options, progress=show)
    finally:
        if status:
            status.clear()
    elapsed = time.monotonic() - started
    if options.dry_run:
        print_plan(result, options, as_json=args.json)
    else:
        print_run(result, options, elapsed, as_json=args.json)
        if result.run.rows_written or result.run.status != "failed":
            refresh_after_write(args, options.db_path)
    return exit_code_for_run(result.run.status)
