"""The selection flags ``report`` and ``export`` share: a window and the sidebar's filters, in the same words.

``--since``/``--until`` take ISO dates or times in UTC (a date given as ``--until`` includes that whole day,
as the sidebar's end day does); ``--provider``/``--service``/``--account``/``--region`` (and, where a command
asks for it, ``--resource``) are repeatable or comma-separated. A bad value is one line naming its flag.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta

from breakeven.exits import CliError
from common.services import PROVIDERS, SERVICES
from common.timeutil import naive_utc

FILTER_FLAGS = (
    ("provider", "aws or gcp"),
    ("service", "a service name"),
    ("account", "an account or project"),
    ("region", "a region"),
)
RESOURCE_FLAG = ("resource", "a resource id, service:account:region:name (report's resource_id)")


def add_selection(p: argparse.ArgumentParser, since_help: str, until_help: str, resource: bool = False) -> None:
    """The window and filter flags on ``p`` (with ``--resource`` when ``resource``)."""
    p.add_argument("--since", metavar="WHEN", help=since_help)
    p.add_argument("--until", metavar="WHEN", help=until_help)
    for name, what in (*FILTER_FLAGS, *((RESOURCE_FLAG,) if resource else ())):
        p.add_argument(
            f"--{name}", action="append", default=[], metavar="VALUE", help=f"only {what} (repeat or comma-separate)"
        )


def parse_when(option: str, text: str, end: bool) -> datetime:
    """An ISO date or time as naive UTC; a date given as the end means the end of that day."""
    try:
        if "T" not in text and " " not in text and len(text) <= 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time())
        return naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise CliError(f"--{option} {text[:40]!r}: not an ISO date or time (2026-11-01 or 2026-11-01T18:15)") from None


def selection_values(option: str, given: list[str], allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The values of a repeatable, comma-separated flag; one outside ``allowed`` is refused naming it."""
    values = tuple(v.strip() for item in given for v in item.split(",") if v.strip())
    if allowed is not None:
        for value in values:
            if value not in allowed:
                raise CliError(f"--{option} {value[:40]!r}: must be one of {', '.join(allowed)}")
    return values


def window(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` as naive UTC instants (either may be absent), refused when out of order."""
    since = parse_when("since", args.since, end=False) if args.since else None
    until = parse_when("until", args.until, end=True) if args.until else None
    if since and until and since >= until:
        raise CliError("--since must be before --until")
    return since, until


def filter_values(args: argparse.Namespace) -> dict[str, tuple[str, ...]]:
    """The filter flags as ``store.queries.Filters`` keyword arguments."""
    values = {
        "providers": selection_values("provider", args.provider, PROVIDERS),
        "services": selection_values("service", args.service, tuple(SERVICES)),
        "accounts": selection_values("account", args.account),
        "regions": selection_values("region", args.region),
    }
    if hasattr(args, "resource"):
        values["resource_ids"] = selection_values("resource", args.resource)
    return values
