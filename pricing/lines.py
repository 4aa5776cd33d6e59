"""Cost lines and estimates, tier arithmetic and the rounding convention.

Rounding follows AWS's published worked examples: every charge line is rounded to the cent (half up)
and the total is the sum of the rounded lines ($1.488 -> $1.49; $1.49 + $248.00 = $249.49). Exact
values are kept alongside (``usd_exact``) for models that add many small amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pricing.book import Price, Source, Tiers


def round_cents(usd: float) -> float:
    """Round to the cent, half up, on the decimal text of the float (so 2.675 -> 2.68)."""
    return float(Decimal(repr(usd)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def tiered_cost(tiers: Tiers, quantity: float) -> float:
    """Cost of ``quantity`` units under continuous volume tiers [(start, usd per unit), ...]."""
    return sum(usd * qty for _, usd, qty in tier_bands(tiers, 0.0, quantity))


def tier_bands(tiers: Tiers, begin: float, end: float) -> list[tuple[int, float, float]]:
    """Split the quantity range [begin, end) across tiers: (tier index, usd per unit, quantity in tier)."""
    bands = []
    for index, (start, usd) in enumerate(tiers):
        stop = tiers[index + 1][0] if index + 1 < len(tiers) else float("inf")
        low, high = max(begin, start), min(end, stop)
        if high > low:
            bands.append((index, usd, high - low))
    return bands


def _clean(quantity: float) -> float:
    """Drop float noise from quantities shown to people (14880000.000000002 -> 14880000.0)."""
    return float(f"{quantity:.9g}") if quantity else 0.0


@dataclass(frozen=True)
class CostLine:
    """One charge: quantity × unit price, with the price's source and both list and effective amounts."""

    item: str
    quantity: float
    unit: str
    unit_price_usd: float
    list_unit_price_usd: float
    usd_exact: float
    list_usd_exact: float
    source: Source
    price_key: str = ""
    note: str = ""

    @property
    def usd(self) -> float:
        return round_cents(self.usd_exact)

    @property
    def list_usd(self) -> float:
        return round_cents(self.list_usd_exact)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "item": self.item,
            "quantity": _clean(self.quantity),
            "unit": self.unit,
            "unit_price_usd": self.unit_price_usd,
            "usd": self.usd,
            "list_unit_price_usd": self.list_unit_price_usd,
            "list_usd": self.list_usd,
            "source": {**self.source.to_dict(), "price": self.price_key},
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Estimate:
    """What one service costs for the given usage. ``total_usd`` is the sum of the rounded lines."""

    service: str
    region: str
    lines: tuple[CostLine, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_usd(self) -> float:
        return round_cents(sum(line.usd for line in self.lines))

    @property
    def list_total_usd(self) -> float:
        return round_cents(sum(line.list_usd for line in self.lines))

    @property
    def total_exact_usd(self) -> float:
        return sum(line.usd_exact for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "region": self.region,
            "total_usd": self.total_usd,
            "list_total_usd": self.list_total_usd,
            "lines": [line.to_dict() for line in self.lines],
            "notes": list(self.notes),
        }


def flat_line(item: str, quantity: float, price: Price, note: str = "") -> CostLine:
    """A line at the price's first tier (flat prices)."""
    return CostLine(
        item,
        quantity,
        price.unit,
        price.usd,
        price.list_usd,
        quantity * price.usd,
        quantity * price.list_usd,
        price.source,
        price.key,
        note,
    )


def tiered_lines(item: str, price: Price, begin: float, end: float, note: str = "") -> list[CostLine]:
    """Lines for usage in [begin, end) of the month's cumulative quantity, one per tier touched.

    ``begin`` > 0 skips a free allowance at the bottom of the tiers (free tier covers the first units).
    When an override flattened the tiers, the list price shown is the list tiers' average over the range.
    """
    bands = tier_bands(price.tiers, begin, end)
    if not bands:
        return []
    same_shape = [start for start, _ in price.tiers] == [start for start, _ in price.list_tiers]
    list_average = tiered_cost(price.list_tiers, end) - tiered_cost(price.list_tiers, begin)
    list_average /= end - begin
    lines = []
    for index, usd, qty in bands:
        label = item if len(price.tiers) == 1 else f"{item} (tier {index + 1})"
        list_usd = price.list_tiers[index][1] if same_shape else list_average
        lines.append(
            CostLine(label, qty, price.unit, usd, list_usd, usd * qty, list_usd * qty, price.source, price.key, note)
        )
    return lines
