"""The price book as rows with their provenance: what ``python -m breakeven prices`` prints and the Prices page
shows, built by this one function so the two cannot drift apart.

Pure: a :class:`~pricing.book.PriceBook` in, rows out. The effective tiers come from the book (after the
user's overrides and discounts); nothing here does cost arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pricing.book import Price, PriceBook, Tiers

# The sheets mark a price copied from another region as "assumed equal to the us-east-1 list price"
# (pricing/data/*.json); a refreshed price loses the note, and with it the mark.
_REUSED = re.compile(r"assumed equal to the (\S+) list price")


def reused_region(price: Price) -> str:
    """The region whose figures this price reuses (an assumption, not a price for its own region), or ""."""
    found = _REUSED.search(price.source.note)
    return found.group(1) if found and found.group(1) != price.region else ""


@dataclass(frozen=True)
class PriceRow:
    """One price of the book, flat, with where it came from and whether the user's rules change it."""

    provider: str
    service: str
    item: str
    region: str
    unit: str
    list_tiers: Tiers
    tiers: Tiers
    url: str
    retrieved: str
    confidence: str
    note: str
    adjustment: str
    reuses_region: str
    key: str

    @property
    def usd(self) -> float:
        return self.tiers[0][1]

    @property
    def list_usd(self) -> float:
        return self.list_tiers[0][1]

    @property
    def adjusted(self) -> bool:
        return self.tiers != self.list_tiers

    def to_dict(self) -> dict[str, Any]:
        """The JSON the ``prices`` command prints (``tiers``/``list_tiers`` only when a price has volume tiers)."""
        source: dict[str, str] = {"url": self.url, "retrieved": self.retrieved, "confidence": self.confidence}
        if self.note:
            source["note"] = self.note
        if self.adjustment:
            source["adjustment"] = self.adjustment
        return {
            "provider": self.provider,
            "service": self.service,
            "item": self.item,
            "region": self.region,
            "unit": self.unit,
            "usd": self.usd,
            "list_usd": self.list_usd,
            "tiers": [list(t) for t in self.tiers] if len(self.tiers) > 1 else None,
            "list_tiers": [list(t) for t in self.list_tiers] if len(self.list_tiers) > 1 else None,
            "reuses_region": self.reuses_region or None,
            "source": source,
        }


def _row(price: Price) -> PriceRow:
    source = price.source
    return PriceRow(
        provider=price.provider,
        service=price.service,
        item=price.item,
        region=price.region,
        unit=price.unit,
        list_tiers=price.list_tiers,
        tiers=price.tiers,
        url=source.url,
        retrieved=source.retrieved,
        confidence=source.confidence,
        note=source.note,
        adjustment=source.adjustment,
        reuses_region=reused_region(price),
        key=price.key,
    )


def price_rows(
    book: PriceBook,
    *,
    providers: Collection[str] = (),
    services: Collection[str] = (),
    regions: Collection[str] = (),
    confidences: Collection[str] = (),
) -> list[PriceRow]:
    """Every price of ``book``, sorted by its key; an empty filter lets everything through."""

    def wanted(values: Collection[str], value: str) -> bool:
        return not values or value in values

    return [
        _row(p)
        for p in sorted(book.prices.values(), key=lambda p: p.key)
        if wanted(providers, p.provider)
        and wanted(services, p.service)
        and wanted(regions, p.region)
        and wanted(confidences, p.source.confidence)
    ]
