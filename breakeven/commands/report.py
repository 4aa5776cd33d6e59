"""``python -m breakeven report``: every resource's cost today, its options and a verdict, for scripts.

JSON (issue 14's schema), CSV (formula-safe), markdown or one self-contained HTML file (its chart inlined)
on stdout. The window is ``--since``/``--until`` (ISO dates or times, UTC; a date ``--until`` includes that
whole day), else the 30 days ending at the newest data of the selected resources, so an export imported
from any date is reported as it is. Where an imported bill covers the window's whole days, each resource's
billed cost sits beside the model (``analysis.billed``) and the spend matching no resource is listed per
billed service.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from breakeven.commands.selection import add_selection, filter_values, window
from breakeven.exits import CliError
from common.settings import resolve_db_path

if TYPE_CHECKING:  # the parser is built without loading the analysis
    from analysis.params import ModelParams

DEFAULT_DAYS = 30


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report",
        parents=[parent],
        help="print every resource's cost, alternatives and verdict (JSON, CSV, markdown or HTML)",
        description=(
            "Assess every selected resource on its measured traffic (the replay engine) and print today's "
            "monthly cost, every modelled option, the best one when it is cheaper than today, the break-even "
            "and a verdict; where an imported bill covers the window, what was billed beside it and the spend matching "
            "no resource. Read-only. Without --since/--until the window is the 30 days ending at the newest "
            "data of the selection."
        ),
    )
    add_selection(
        p,
        since_help="window start: an ISO date or time, UTC (2026-11-01, 2026-11-01T18:15)",
        until_help="window end: an ISO time (exclusive) or date (included), UTC",
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
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a model assumption or what-if, as the dashboard's URL spells it (m_traffic_scale=2 or "
        "traffic_scale=2; repeat for more)",
    )
    p.set_defaults(handler=run)


def model_params(given: list[str], free_tier: bool) -> ModelParams:
    """``--param`` values read exactly as the dashboard reads its URL, so a shared link and a report agree."""
    from analysis.params import PREFIX, ModelParams, ParamsError

    query: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param {item[:40]!r}: must be NAME=VALUE (m_traffic_scale=2)")
        name = name.strip()
        query[name if name.startswith(PREFIX) else PREFIX + name] = value.strip()
    if free_tier:
        query.setdefault(PREFIX + "free_tier", "1")
    try:
        return ModelParams.from_query(query)
    except ParamsError as exc:
        raise CliError(f"--param {exc}") from None


def run(args: argparse.Namespace) -> int:
    from analysis.billed import billed_view
    from analysis.estate import assess_estate
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
    estate = assess_estate(path, filters, model_params(args.param, args.free_tier), book)
    billed = billed_view(path, filters, book, free_tier=args.free_tier)  # None without an imported bill
    sys.stdout.write(render(estate, args.format, billed=billed))
    return 0
