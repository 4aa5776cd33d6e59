"""``python -m breakeven report``: every resource's cost today, its options and a verdict, for scripts.

JSON (issue 14's schema), CSV (formula-safe), markdown or one self-contained HTML file (its chart inlined)
on stdout. The window is ``--since``/``--until`` (ISO dates or times, UTC; a date ``--until`` includes that
whole day), else the 30 days ending at the newest data of the selected resources, so an export imported
from any date is reported as it is.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta

from breakeven.exits import CliError
from common.services import PROVIDERS, SERVICES
from common.settings import resolve_db_path
from common.timeutil import naive_utc

DEFAULT_DAYS = 30


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report",
        parents=[parent],
        help="print every resource's cost, alternatives and verdict (JSON, CSV, markdown or HTML)",
        description=(
            "Assess every selected resource on its measured traffic (the replay engine) and print today's "
            "monthly cost, every modelled option, the best one when it is cheaper than today, the break-even "
            "and a verdict. Read-only. Without --since/--until the window is the 30 days ending at the newest "
            "data of the selection."
        ),
    )
    p.add_argument(
        "--since", metavar="WHEN", help="window start: an ISO date or time, UTC (2026-11-01, 2026-11-01T18:15)"
    )
    p.add_argument("--until", metavar="WHEN", help="window end: an ISO time (exclusive) or date (included), UTC")
    for name, what in (
        ("provider", "aws or gcp"),
        ("service", "a service name"),
        ("account", "an account or project"),
        ("region", "a region"),
    ):
        p.add_argument(
            f"--{name}", action="append", default=[], metavar="VALUE", help=f"only {what} (repeat or comma-separate)"
        )
    p.add_argument(
        "--format",
        choices=("json", "csv", "markdown", "html"),
        default="json",
        help="output format (default json; html: one self-contained file with its chart, no outside request)",
    )
    p.add_argument(
        "--overrides",
        metavar="PATH",
        help="TOML file of discounts and price overrides (default: $BREAKEVEN_PRICE_OVERRIDES)",
    )
    p.add_argument("--free-tier", action="store_true", help="apply free tiers, once per account and service")
    p.set_defaults(handler=run)


def parse_when(option: str, text: str, end: bool) -> datetime:
    """An ISO date or time as naive UTC; a date given as the end means the end of that day."""
    try:
        if "T" not in text and " " not in text and len(text) <= 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time())
        return naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise CliError(f"--{option} {text[:40]!r}: not an ISO date or time (2026-11-01 or 2026-11-01T18:15)") from None


def _values(option: str, given: list[str], allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    values = tuple(v.strip() for item in given for v in item.split(",") if v.strip())
    if allowed is not None:
        for value in values:
            if value not in allowed:
                raise CliError(f"--{option} {value[:40]!r}: must be one of {', '.join(allowed)}")
    return values


def run(args: argparse.Namespace) -> int:
    from analysis.estate import assess_estate
    from analysis.params import ModelParams
    from charts.report import render
    from pricing import load_price_book
    from store import ensure_database
    from store import queries as q

    path = resolve_db_path(args.db)
    since = parse_when("since", args.since, end=False) if args.since else None
    until = parse_when("until", args.until, end=True) if args.until else None
    if since and until and since >= until:
        raise CliError("--since must be before --until")
    base = q.Filters(
        providers=_values("provider", args.provider, PROVIDERS),
        services=_values("service", args.service, tuple(SERVICES)),
        accounts=_values("account", args.account),
        regions=_values("region", args.region),
    )
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
