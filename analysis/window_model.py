"""Today's cost model over a window, priced once for the two figures the Overview shows from it.

When no bill covers the window, the Overview shows the model's spend twice over: the spend line
(``analysis.spend``, through ``analysis.reconcile_model.current_model``: per resource, the bill's lines) and
the Money section (``analysis.window_spend``: dollars per resource and the month to date). Both are today's
cost of every configuration segment on its exact measured span (``analysis.estate.today_by_segment``),
scaled from a 730-hour month to the seconds measured, over the same groups of resources. At 5,000 resources
each pass read and replayed the estate (~40 s of CPU); :func:`window_model` does it once and keeps the result
in this process while the data is unchanged, so whichever of the two asks second reads it.

The two figures keep their own definitions, which differ in one place: ``window_spend`` scales each
segment's monthly total, which is the sum of its lines **rounded to the cent** (the providers' convention,
``pricing.lines``), and ``current_model`` scales each line's **exact** dollars (a bill is compared line by
line). So per resource, window dollars minus modelled dollars is the sum over its segments of (the rounded
monthly total minus the exact one) × seconds / a month's seconds: at most half a cent per line and segment per
month (``tests/analysis/test_window_model.py`` checks that relation and that each figure is the one its own
code computed before).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.chunked import ReadAhead, filter_parts
from analysis.estate import today_by_segment
from analysis.inputs import Segment, segments
from analysis.params import ModelParams
from analysis.reconcile_model import Modelled, modelled_from
from common.memory import release_freed
from common.units import MONTH_SECONDS
from pricing import PriceBook
from store import queries as q
from store import summaries
from store.errors import StoreError
from store.file_gate import gate_key
from store.panels import UsagePanels

KEPT = 2  # windows kept priced in this process (a view and the one before; ~1 MB each at 5,000 resources)
_kept: list[tuple[tuple, PriceBook, WindowModel]] = []
_kept_lock = threading.Lock()


@dataclass(frozen=True)
class GroupMonth:
    """A group's month to date, priced while its arrays were read: the month's first instant (epoch s)."""

    month_lo: float
    dollars: dict[str, float]
    unpriced: frozenset[str]


@dataclass(frozen=True)
class WindowModel:
    """One pass of today's cost model over a window's groups: what both figures need."""

    parts: tuple[q.Filters, ...]  # the groups' filters, in order
    window: dict[str, float]  # dollars per resource over its measured seconds (monthly totals, to the cent)
    unpriced: frozenset[str]  # names of resources the model could not price
    info: dict[str, dict[str, Any]]  # resource id → the store's resource record
    ends: tuple[float, ...]  # every segment's end (epoch s)
    months: tuple[GroupMonth | None, ...]  # per part: its month to date when the month began inside the window
    window_start: float  # epoch s
    modelled: dict[str, Modelled]  # per resource, the bill's lines (exact dollars): ``current_model``'s


def clip(segs: list[Segment], lo: float, hi: float) -> list[Segment]:
    """The parts of ``segs`` inside [lo, hi); a cut part does not start cold (it continues a running one)."""
    out = []
    for seg in segs:
        start, end = max(seg.start_s, lo), min(seg.end_s, hi)
        if end > start:
            out.append(replace(seg, start_s=start, end_s=end, starts_cold=seg.starts_cold and start == seg.start_s))
    return out


def month_start(epoch_s: float) -> float:
    """The first instant of the UTC calendar month holding ``epoch_s``."""
    newest = datetime.fromtimestamp(epoch_s, UTC)
    return newest.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def dollars_of(panels: UsagePanels, priced: list[tuple[Any, Any, float]], unpriced: set[str]) -> dict[str, float]:
    """Dollars per resource id from priced segments (a month's total × seconds / a month's seconds)."""
    out: dict[str, float] = {}
    for seg, cost, seconds in priced:
        who = panels.resources[seg.resource]
        if cost.monthly_usd is None:
            unpriced.add(who["name"])
            continue
        out[who["resource_id"]] = out.get(who["resource_id"], 0.0) + cost.monthly_usd * seconds / MONTH_SECONDS
    return out


def _key(path: Path, filters: q.Filters, free_tier: bool, size: int | None) -> tuple | None:
    """What a pass depends on besides the prices: the file's data (its version and times), the window and the
    resources it selects, the free tiers and the group size; None when the data version cannot be read."""
    try:
        version = summaries.current_data_version(path)
    except StoreError:
        return None
    from analysis import chunked

    stamps = summaries.same_data_stamps(path, summaries.file_stamps(path))
    f = filters
    selects = (f.providers, f.services, f.accounts, f.regions, f.resource_ids)
    return (gate_key(path), version, stamps, f.window(), selects, free_tier, chunked.group_size(size))


def window_model(
    path: Path, filters: q.Filters, book: PriceBook, free_tier: bool = False, size: int | None = None
) -> WindowModel:
    """Today's cost model over ``filters``' window, a group of resources at a time
    (``analysis.chunked.filter_parts``: an account kept whole under free tiers), priced once per data version,
    window, selection and prices in this process."""
    key = _key(Path(path), filters, free_tier, size)
    if key is not None:
        with _kept_lock:
            for kept_key, kept_book, kept in _kept:
                if kept_key == key and kept_book == book:
                    return kept
    computed = _price(Path(path), filters, book, free_tier, size)
    if key is not None:
        with _kept_lock:
            _kept.insert(0, (key, book, computed))
            del _kept[KEPT:]
    return computed


def _price(path: Path, filters: q.Filters, book: PriceBook, free_tier: bool, size: int | None) -> WindowModel:
    params = ModelParams(free_tier=free_tier)
    parts = filter_parts(path, filters, free_tier, size)
    unpriced: set[str] = set()
    window: dict[str, float] = {}
    modelled: dict[str, Modelled] = {}
    info: dict[str, dict[str, Any]] = {}
    ends: list[float] = []
    months: list[GroupMonth | None] = []
    window_start = 0.0
    with ReadAhead(path, parts) as ahead:  # the next group read on a second thread while this one is priced
        for _ in parts:
            panels = ahead.take()
            per_resource = [seg for per in segments(panels) for seg in per]
            priced = today_by_segment(panels, per_resource, book, params)
            window.update(dollars_of(panels, priced, unpriced))
            modelled.update(modelled_from(panels, priced))
            info.update({who["resource_id"]: who for who in panels.resources})
            mine = [seg.end_s for seg in per_resource]
            ends.extend(mine)
            window_start = panels.window_start_s
            lo = month_start(max(mine) - 1) if mine else None
            if lo is not None and lo >= window_start:  # the month inside the window: priced while the arrays are here
                missed: set[str] = set()
                month_priced = today_by_segment(panels, clip(per_resource, lo, max(mine)), book, params)
                months.append(GroupMonth(lo, dollars_of(panels, month_priced, missed), frozenset(missed)))
            else:
                months.append(None)
            del panels, per_resource, priced
            release_freed()  # their pages back to the system before the next group's arrays (common.memory)
    return WindowModel(
        tuple(parts), window, frozenset(unpriced), info, tuple(ends), tuple(months), window_start, modelled
    )
