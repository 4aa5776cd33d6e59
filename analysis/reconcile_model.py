"""The modelled side of a reconciliation: what the cost model gives per resource for a range of days.

This is a seam. Reconciliation takes any :data:`ModelledFn` (a day range → :class:`Modelled` per resource);
:func:`current_model` is today's cost as the assessment prices it (``analysis.estate.today_by_segment``:
every configuration segment on its exact measured span, the same cells the replay engine counts), whose
monthly figures (730 hours) are scaled back to the hours each segment was measured inside the range.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from analysis.bill_classes import model_class
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
        # the billed days exactly: a report's since/until instants or a month would widen them again
        days = replace(base, start=start, end=end, since=None, until=None, month=None)
        # a group of resources at a time (``analysis.chunked``): each resource's dollars are its own (a group
        # keeps an account whole when free tiers are on), and the whole estate's arrays at once took a server
        # to 3.9 GB at 5,000 resources. The pass is the Overview's spend's too (``analysis.window_model``):
        # priced once for both while the data is unchanged.
        from analysis.window_model import window_model  # it builds on this module's lines

        return dict(window_model(path, days, book, free_tier).modelled)

    return modelled


def modelled_from(panels: Any, priced: list[tuple[Any, Any, float]]) -> dict[str, Modelled]:
    """Today's cost model of every resource in ``panels``, as the bill's lines, from its priced segments
    (``analysis.estate.today_by_segment``: segment, cost as a month, seconds measured)."""
    by_resource: dict[str, list] = {}
    for seg, cost, seconds in priced:
        by_resource.setdefault(panels.resources[seg.resource]["resource_id"], []).append((seg, cost, seconds))
    out: dict[str, Modelled] = {}
    for resource_id, parts in by_resource.items():
        service = panels.resources[parts[0][0].resource]["service"]
        hours = sum(seconds for _, _, seconds in parts) / 3600
        failed = next((cost for _, cost, _ in parts if cost.monthly_usd is None), None)
        if failed is not None:
            out[resource_id] = Modelled(resource_id, None, hours=hours, error=failed.error)
            continue
        lines, notes = [], []
        for _, cost, seconds in parts:
            share = seconds / 3600 / MONTH_HOURS
            notes.extend(cost.notes)
            if cost.incomplete:
                notes.append("the model is incomplete for this resource: a priced part is missing")
            for line in cost.estimate.lines:
                line_service, item = price_item(line.price_key, service)
                lines.append(
                    ModelLine(
                        usage_class=model_class(service, item),
                        service=line_service,
                        item=item,
                        label=line.item,
                        quantity=line.quantity * share,
                        unit=line.unit,
                        usd=line.usd_exact * share,
                        unit_price_usd=line.unit_price_usd,
                        list_unit_price_usd=line.list_unit_price_usd,
                    )
                )
        total = sum(line.usd for line in lines)
        out[resource_id] = Modelled(resource_id, total, tuple(lines), hours, tuple(dict.fromkeys(notes)))
    return out
