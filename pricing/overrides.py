"""User price overrides and discounts (a TOML file of the user's own).

Effective price = (absolute override if one matches, else list price) × (1 − discount percent / 100).
List prices are never lost: each :class:`~pricing.book.Price` keeps ``list_tiers`` next to ``tiers``.
"""

from __future__ import annotations

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


def parse_overrides(data: dict[str, Any], origin: str = "overrides") -> Overrides:
    unknown = sorted(set(data) - {"discount", "override"})
    if unknown:
        raise SheetError(f"{origin}: {unknown[0]}: unknown table (use [[discount]] and [[override]])")
    discounts = []
    for index, entry in enumerate(data.get("discount", [])):
        where = f"{origin}: discount[{index}]"
        _check_keys(entry, _DISCOUNT_KEYS, {"service", "percent"}, where)
        percent = entry["percent"]
        if not isinstance(percent, int | float) or not 0 <= percent <= 100:
            raise SheetError(f"{where}.percent: must be a number from 0 to 100")
        discounts.append(
            Discount(
                entry["service"],
                float(percent),
                tuple(entry.get("items", ["*"])),
                tuple(entry.get("regions", ["*"])),
                entry.get("name", ""),
            )
        )
    overrides = []
    for index, entry in enumerate(data.get("override", [])):
        where = f"{origin}: override[{index}]"
        _check_keys(entry, _OVERRIDE_KEYS, {"service", "item", "usd"}, where)
        usd = entry["usd"]
        if not isinstance(usd, int | float) or usd < 0:
            raise SheetError(f"{where}.usd: must be a non-negative number")
        overrides.append(
            Override(entry["service"], entry["item"], float(usd), entry.get("region", "*"), entry.get("name", ""))
        )
    return Overrides(tuple(discounts), tuple(overrides), origin)


def load_overrides(path: str | Path) -> Overrides:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SheetError(f"overrides file not found: {path}") from exc
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
            raise SheetError(
                f"{overrides.path}: override[{index}]: no price matches {rule.service}/{rule.item}/{rule.region}"
            )
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
            raise SheetError(f"{overrides.path}: discount[{index}]: no price matches service {rule.service!r}")
        factor = 1 - rule.percent / 100
        label = f"{rule.name or 'discount'}: -{rule.percent:g}%"
        for key in matched:
            price = prices[key]
            tiers = tuple((start, usd * factor) for start, usd in price.tiers)
            adjustment = "; ".join(part for part in (price.source.adjustment, label) if part)
            prices[key] = replace(price, tiers=tiers, source=_with_adjustment(price.source, adjustment))
    return replace(book, prices=prices)


def _with_adjustment(source: Source, adjustment: str) -> Source:
    return replace(source, adjustment=adjustment)
