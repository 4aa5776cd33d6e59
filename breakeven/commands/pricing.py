"""``python -m breakeven estimate|compare|prices|refresh``: the pricing engine for people and scripts.

JSON on stdout. A ``PricingError`` (bad usage or overrides file: exit 2) or ``RefreshError`` (no prices
from the API: exit 5) is turned into one line by ``breakeven.cli``, like every other command's error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from common.services import PROVIDERS, SERVICES
from pricing.book import CONFIDENCE_LEVELS, PriceBook, load_price_book
from pricing.compare import compare, parse_compare_input
from pricing.errors import PricingError
from pricing.estimate import estimate
from pricing.listing import price_rows
from pricing.overrides import ENV_VAR
from pricing.usage import parse_usage


def _read_usage(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as exc:
        raise PricingError(f"cannot read usage file {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PricingError(f"usage is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def _book(args: argparse.Namespace) -> PriceBook:
    return load_price_book(args.overrides)


def _print(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _cmd_estimate(args: argparse.Namespace) -> int:
    usage = parse_usage(_read_usage(args.usage))
    _print(estimate(usage, _book(args)).to_dict())
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    usage, alternative = parse_compare_input(_read_usage(args.usage))
    _print(compare(usage, _book(args), alternative).to_dict())
    return 0


def _cmd_prices(args: argparse.Namespace) -> int:
    """The rows the Prices page shows (``pricing.listing.price_rows``), as JSON."""
    book = _book(args)
    if args.region and args.region not in book.regions():
        raise PricingError(f"--region {args.region}: no prices there (priced regions: {', '.join(book.regions())})")
    rows = price_rows(
        book,
        providers=[args.provider] if args.provider else (),
        services=[args.service] if args.service else (),
        regions=[args.region] if args.region else (),
        confidences=[args.confidence] if args.confidence else (),
    )
    _print([row.to_dict() for row in rows])
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from pricing.refresh import run_refresh

    for line in run_refresh(args.provider, dry_run=args.dry_run, output=args.output):
        print(line)
    return 0


def register(subparsers: argparse._SubParsersAction, db_option: argparse.ArgumentParser) -> None:
    """estimate, compare, prices, refresh: the pricing engine on its own (no database, so no --db)."""
    del db_option
    overrides_help = f"TOML file of discounts and price overrides (default: ${ENV_VAR} if set)"
    for name, help_text, func in (
        ("estimate", "price one service's monthly usage (USAGE.json)", _cmd_estimate),
        ("compare", "price the usage and model its alternatives, hybrid and break-even", _cmd_compare),
    ):
        command = subparsers.add_parser(name, help=help_text, description=help_text + ". Prints JSON.")
        command.add_argument("usage", metavar="USAGE.json", help="usage file, or - for standard input")
        command.add_argument("--overrides", metavar="PATH", help=overrides_help)
        command.set_defaults(handler=func)
    prices = subparsers.add_parser(
        "prices",
        help="list known prices with provenance (JSON)",
        description="List the price book: every price with its list and effective price (after your overrides), "
        "source, date and confidence, and the region whose figures it reuses. The Prices page shows the same rows.",
    )
    prices.add_argument("--provider", choices=PROVIDERS, help="only this provider")
    prices.add_argument("--service", choices=sorted(SERVICES), metavar="SERVICE", help="only this service")
    prices.add_argument("--region", help="only this region")
    prices.add_argument("--confidence", choices=CONFIDENCE_LEVELS, help="only prices of this confidence")
    prices.add_argument("--overrides", metavar="PATH", help=overrides_help)
    prices.set_defaults(handler=_cmd_prices)
    refresh = subparsers.add_parser(
        "refresh",
        help="rebuild a provider's price sheet from its pricing API",
        description="Rebuild the bundled sheet from the AWS Price List API or the GCP "
        "Cloud Billing Catalog API and print what changed. Needs credentials.",
    )
    refresh.add_argument("--provider", choices=("aws", "gcp"), required=True)
    refresh.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    refresh.add_argument("--output", metavar="PATH", help="write the sheet here instead of the bundled file")
    refresh.set_defaults(handler=_cmd_refresh)
