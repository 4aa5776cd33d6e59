"""User price overrides and discounts (a TOML file of the user's own).

Effective price = (absolute override if one matches, else list price) × (1 − discount percent / 100).
List prices are never lost: each :class:`~pricing.book.Price` keeps ``list_tiers`` next to ``tiers``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from common.settings import settings
from pricing.book import PriceBook, Source
from pricing.errors import SheetError

ENV_VAR = "BREAKEVEN_PRICE_OVERRIDES"
_DISCOUNT_KEYS = {"service", "percent", "items", "regions", "name"}
_OVERRIDE_KEYS = {"service", "item", "region", "usd", "name"}


@dataclass(frozen=True)
class Discount:
    service: str
    percent: float
    items: tuple[str, ...] = ("*",)
    regions: tuple[str, ...] = ("*",)
    name: str = ""


@dataclass(frozen=True)
class Override:
    service: str
    item: str
    usd: float
    region: str = "*"
    name: str = ""


@dataclass(frozen=True)
class Overrides:
    discounts: tuple[Discount, ...] = ()
    overrides: tuple[Override, ...] = ()
    path: str = ""


def overrides_path_from_env() -> Path | None:
    return settings().price_overrides


def _check_keys(entry: dict[str, Any], allowed: set[str], required: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise SheetError(f"{where}.{unknown[0]}: unknown key (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(entry))
    if missing:
        raise SheetError(f"{where}.{missing[0]}: missing key")


def _number(entry: dict[str, Any], key: str, where: str, *, low: float, high: float | None) -> float:
    """A finite number within [low, high]: TOML's nan and inf and a boolean (an int to Python) refused."""
    value = entry[key]
    wanted = f"a number from {low:g} to {high:g}" if high is not None else "a non-negative number"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SheetError(f"{where}.{key}: must be {wanted} (finite), not {_shown(value)}")
    if value < low or (high is not None and value > high):
        raise SheetError(f"{where}.{key}: must be {wanted}, not {value:g}")
    return float(value)


def _text(entry: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise SheetError(f'{where}.{key}: must be a string in quotes, e.g. {key} = "…", not {_shown(value)}')
    if key != "name" and not value.strip():
        raise SheetError(f"{where}.{key}: must not be empty")
    return value


def _patterns(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of glob patterns. A bare string is refused, not split into characters (``"zzz*"`` would
    otherwise become ``z``, ``z``, ``z``, ``*`` and the ``*`` would match every price)."""
    value = entry.get(key, ["*"])
    if isinstance(value, str):
        raise SheetError(f'{where}.{key}: must be a list of patterns, e.g. {key} = ["{value[:40]}"], not a string')
    if not isinstance(value, list) or not value:
        raise SheetError(f'{where}.{key}: must be a non-empty list of patterns, e.g. {key} = ["*"]')
    for position, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise SheetError(f"{where}.{key}[{position}]: must be a non-empty string, not {_shown(item)}")
    return tuple(value)


def _shown(value: object) -> str:
    """A short rendering of a refused value for the one-line message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _entries(data: dict[str, Any], table: str, origin: str) -> list[dict[str, Any]]:
    entries = data.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SheetError(f"{origin}: {table}: must be a list of tables, each starting with a [[{table}]] line")
    return entries


def parse_overrides(data: dict[str, Any], origin: str = "overrides") -> Overrides:
    unknown = sorted(set(data) - {"discount", "override"})
    if unknown:
        raise SheetError(f"{origin}: {unknown[0]}: unknown table (use [[discount]] and [[override]])")
    discounts = []
    for index, entry in enumerate(_entries(data, "discount", origin)):
        where = f"{origin}: discount[{index}]"
        _check_keys(entry, _DISCOUNT_KEYS, {"service", "percent"}, where)
        discounts.append(
            Discount(
                _text(entry, "service", where),
                _number(entry, "percent", where, low=0, high=100),
                _patterns(entry, "items", where),
                _patterns(entry, "regions", where),
                _text(entry, "name", where, ""),
            )
        )
    overrides = []
    for index, entry in enumerate(_entries(data, "override", origin)):
        where = f"{origin}: override[{index}]"
        _check_keys(entry, _OVERRIDE_KEYS, {"service", "item", "usd"}, where)
        overrides.append(
            Override(
                _text(entry, "service", where),
                _text(entry, "item", where),
                _number(entry, "usd", where, low=0, high=None),
                _text(entry, "region", where, "*"),
                _text(entry, "name", where, ""),
            )
        )
    return Overrides(tuple(discounts), tuple(overrides), origin)


def load_overrides(path: str | Path) -> Overrides:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SheetError(f"overrides file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise SheetError(f"overrides file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    except OSError as exc:
        raise SheetError(f"overrides file {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SheetError(f"overrides file {path} is not valid TOML: {exc}") from exc
    return parse_overrides(data, str(path))


def apply_overrides(book: PriceBook, overrides: Overrides) -> PriceBook:
    """Return a new book whose effective tiers reflect the overrides; every rule must match a price."""
    prices = dict(book.prices)
    for index, rule in enumerate(overrides.overrides):
        matched = [
            k
            for k, p in prices.items()
            if p.service == rule.service and fnmatchcase(p.item, rule.item) and fnmatchcase(p.region, rule.region)
        ]
        if not matched:
            where = f"{overrides.path}: override[{index}]"
            raise SheetError(_no_match(book, where, rule.service, (rule.item,), (rule.region,), "item", "region"))
        label = rule.name or "price override"
        for key in matched:
            price = prices[key]
            source = replace(price.source, adjustment=f"{label}: {rule.usd:g} USD/{price.unit} ({overrides.path})")
            prices[key] = replace(price, tiers=((0.0, rule.usd),), source=source)
    for index, rule in enumerate(overrides.discounts):
        matched = [
            k
            for k, p in prices.items()
            if p.service == rule.service
            and any(fnmatchcase(p.item, pat) for pat in rule.items)
            and any(fnmatchcase(p.region, pat) for pat in rule.regions)
        ]
        if not matched:
            where = f"{overrides.path}: discount[{index}]"
            raise SheetError(_no_match(book, where, rule.service, rule.items, rule.regions, "items", "regions"))
        factor = 1 - rule.percent / 100
        label = f"{rule.name or 'discount'}: -{rule.percent:g}%"
        for key in matched:
            price = prices[key]
            tiers = tuple((start, usd * factor) for start, usd in price.tiers)
            adjustment = "; ".join(part for part in (price.source.adjustment, label) if part)
            prices[key] = replace(price, tiers=tiers, source=_with_adjustment(price.source, adjustment))
    return replace(book, prices=prices)


def _no_match(
    book: PriceBook,
    where: str,
    service: str,
    items: tuple[str, ...],
    regions: tuple[str, ...],
    items_key: str,
    regions_key: str,
) -> str:
    """Why a rule matches no price, naming the key at fault: a rule that silently did nothing would leave the
    user believing a discount is in effect."""
    services = book.services()
    if service not in services:
        return f"{where}.service: unknown service {service!r} (priced: {', '.join(services)})"
    of_service = [p for p in book.prices.values() if p.service == service]
    by_item = [p for p in of_service if any(fnmatchcase(p.item, pattern) for pattern in items)]
    if not by_item:
        known = sorted({p.item for p in of_service})
        listed = ", ".join(known[:5]) + (f", … {len(known)} in all" if len(known) > 5 else "")
        return f"{where}.{items_key}: no {service} price matches {_shown(list(items))} (items: {listed})"
    known_regions = sorted({p.region for p in by_item})
    return (
        f"{where}.{regions_key}: no price matches {service}/{'|'.join(items)} in {_shown(list(regions))} "
        f"(regions: {', '.join(known_regions)})"
    )


def _with_adjustment(source: Source, adjustment: str) -> Source:
    return replace(source, adjustment=adjustment)
