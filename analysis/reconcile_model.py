"""The modelled side of a reconciliation: what the cost model gives per resource for a range of days.

This is a seam. Reconciliation takes any :data:`ModelledFn` (a day range → :class:`Modelled` per resource);
:func:`current_model` is today's analysis (``analysis.usage.load_usage`` + ``analysis.current.current_cost``),
whose monthly figures (730 hours) are scaled back to the hours of data the model priced inside the range.
The replay engine will plug in here without touching ``analysis.reconcile``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from analysis.bill_classes import model_class
from analysis.current import current_cost
from analysis.usage import load_usage
from common.units import MONTH_HOURS
from pricing import PriceBook
from store import queries as q


@dataclass(frozen=True)
class ModelLine:
    usage_class: str
    service: str
    item: str  # the price item (``duration-x86_64``, ``instance/ml.c5.xlarge``), so a calibration can name it
    label: str
    quantity: float
    unit: str
    usd: float
    unit_price_usd: float
    list_unit_price_usd: float


@dataclass(frozen=True)
class Modelled:
    """What the model gives for one resource over a day range (not a month); ``usd`` None when it cannot."""

    resource_id: str
    usd: float | None
    lines: tuple[ModelLine, ...] = ()
    hours: float = 0.0
    notes: tuple[str, ...] = ()
    error: str = ""


ModelledFn = Callable[[date, date], Mapping[str, Modelled]]


def price_item(price_key: str, service: str) -> tuple[str, str]:
    """(service, item) from a price key ``service/item/region``; items may contain ``/``."""
    parts = price_key.split("/")
    if len(parts) < 3:
        return service, price_key
    return parts[0], "/".join(parts[1:-1])


def current_model(path: Path, book: PriceBook, filters: q.Filters | None = None, free_tier: bool = False) -> ModelledFn:
    """Today's cost analysis restricted to the billed days (inclusive UTC dates)."""
    base = filters or q.Filters()

    def modelled(start: date, end: date) -> dict[str, Modelled]:
        out: dict[str, Modelled] = {}
        for usage in load_usage(path, replace(base, start=start, end=end)):
            hours = usage.window_s / 3600
            cost = current_cost(usage, book, free_tier)
            if cost.monthly_usd is None:
                out[usage.resource_id] = Modelled(usage.resource_id, None, hours=hours, error=cost.error)
                continue
            share = hours / MONTH_HOURS
            lines = []
            for line in cost.lines:
                service, item = price_item(line.price_key, usage.service)
                lines.append(
                    ModelLine(
                        usage_class=model_class(usage.service, item),
                        service=service,
                        item=item,
                        label=line.item,
                        quantity=line.quantity * share,
                        unit=line.unit,
                        usd=line.usd_exact * share,
                        unit_price_usd=line.unit_price_usd,
                        list_unit_price_usd=line.list_unit_price_usd,
                    )
                )
            notes = tuple(cost.notes)
            if cost.incomplete:
                notes += ("the model is incomplete for this resource: a priced part is missing",)
            total = sum(line.usd for line in lines)
            out[usage.resource_id] = Modelled(usage.resource_id, total, tuple(lines), hours, notes)
        return out

    return modelled
