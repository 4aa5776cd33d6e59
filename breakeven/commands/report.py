"""``python -m breakeven report``: every resource's cost today, its options and a verdict, for scripts.

JSON (issue 14's schema), CSV (formula-safe) or markdown on stdout. The window is ``--since``/``--until``
(ISO dates or times, UTC; a date ``--until`` includes that whole day), else the 30 days ending at the
newest data of the selected resources, so an export imported from any date is reported as it is.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from breakeven.commands.selection import add_selection, filter_values, window
from common.settings import resolve_db_path

DEFAULT_DAYS = 30


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report",
        parents=[parent],
        help="print every resource's cost, alternatives and verdict (JSON, CSV or markdown)",
        description=(
            "Assess every selected resource on its measured traffic (the replay engine) and print today's "
            "monthly cost, every modelled option, the best one when it is cheaper than today, the break-even "
            "and a verdict. Read-only. Without --since/--until the window is the 30 days ending at the newest "
            "data of the selection."
        ),
    )
    add_selection(
        p,
        since_help="window start: an ISO date or time, UTC (2026-11-01, 2026-11-01T18:15)",
        until_help="window end: an ISO time (exclusive) or date (included), UTC",
    )
    p.add_argument("--format", choices=("json", "csv", "markdown"), default="json", help="output format (default json)")
    p.add_argument(
        "--overrides",
        metavar="PATH",
        help="TOML file of discounts and price overrides (default: $BREAKEVEN_PRICE_OVERRIDES)",
    )
    p.add_argument("--free-tier", action="store_true", help="apply free tiers, once per account and service")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from analysis.estate import assess_estate
    from analysis.params import ModelParams
    from charts.report import render
    from pricing import load_price_book
    from store import ensure_database
    from store import queries as q

    path = resolve_db_path(args.db)
    since, until = window(args)
    base = q.Filters(**filter_values(args))
    book = load_price_book(args.overrides)
    if path.exists():
        ensure_database(path)
    span = q.selection_span(path, base)
    if since is None or until is None:
        if span is None:
            since = since or until or datetime(1970, 1, 1)
            until = until or since + timedelta(days=DEFAULT_DAYS)
        else:
            until = until or span[1]
            since = since or until - timedelta(days=DEFAULT_DAYS)
    filters = q.Filters(
        providers=base.providers,
        services=base.services,
        accounts=base.accounts,
        regions=base.regions,
        since=since,
        until=until,
    )
    estate = assess_estate(path, filters, ModelParams(free_tier=args.free_tier), book)
    sys.stdout.write(render(estate, args.format))
    return 0
