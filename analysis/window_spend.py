"""What the estate spent by the model: over the selected window, month to date, and its monthly run-rate, by group.

The model's side only: where an imported bill covers the window, ``analysis.spend`` says what was billed
(the Overview shows both, each saying which it is).

Spend is today's cost model (``analysis.estate.today_by_segment``: every configuration segment on its
exact measured span, the cells the replay engine counts) scaled from a 730-hour month back to the seconds
each segment was measured, so a resource that changed configuration mid-window is charged for each
configuration over its own stretch, like ``analysis.reconcile_model``. The run-rate is the assessment's
today (``EstateAssessment`` rows: the configuration in effect now), the same figure ``report`` prints.

"Month to date" is the UTC calendar month holding the newest data of the selection, from its first day to
that data; when the month began before the window, it is read on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from analysis.estate import today_by_segment
from analysis.inputs import segments
from analysis.params import ModelParams
from analysis.types import EstateAssessment
from analysis.window_model import clip, dollars_of, month_start, window_model
from common.services import PATTERN_LABELS, SERVICE_PATTERN, service_label
from pricing import PriceBook
from store import queries as q

GROUPS = ("pattern", "service", "account")


@dataclass(frozen=True)
class SpendRow:
    """One group's money: ``window_usd`` and ``mtd_usd`` are dollars spent, ``run_rate_usd`` per month."""

    group: str  # pattern | service | account
    key: str
    label: str
    window_usd: float
    mtd_usd: float
    run_rate_usd: float
    resources: int


@dataclass(frozen=True)
class Spend:
    window_usd: float
    mtd_usd: float
    run_rate_usd: float  # the assessment's today total, per 730-hour month
    recommended_usd: float  # the assessment's total with every recommendation applied
    month_start: str  # ISO date of the month-to-date's first day ("" without data)
    data_until: str  # ISO time the month to date runs to
    rows: tuple[SpendRow, ...]
    unpriced: tuple[str, ...] = ()  # names of resources whose spend could not be priced (left out of the sums)

    def group(self, name: str) -> tuple[SpendRow, ...]:
        return tuple(row for row in self.rows if row.group == name)


def _month_to_date(
    path: Path,
    f: q.Filters,
    month_lo: float,
    newest: float,
    window_start: float,
    book: PriceBook,
    params: ModelParams,
    unpriced: set[str],
    info: dict[str, dict],
) -> dict[str, float]:
    """Dollars per resource of ``f``'s selection from the month's start to the newest data: from the
    window's read, or, when the month began before the window, from the month read on its own."""
    if month_lo >= window_start:
        panels = q.usage_panels(path, f)
        segs = [seg for per in segments(panels) for seg in per]
        return dollars_of(panels, today_by_segment(panels, clip(segs, month_lo, newest), book, params), unpriced)
    since = datetime.fromtimestamp(month_lo, UTC).replace(tzinfo=None)
    until = datetime.fromtimestamp(newest, UTC).replace(tzinfo=None)
    month_panels = q.usage_panels(path, replace(f, start=None, end=None, since=since, until=until))
    month_segs = [seg for per in segments(month_panels) for seg in per]
    for who in month_panels.resources:
        info.setdefault(who["resource_id"], who)
    return dollars_of(month_panels, today_by_segment(month_panels, month_segs, book, params), unpriced)


def estate_spend(
    path: Path,
    filters: q.Filters,
    estate: EstateAssessment,
    book: PriceBook,
    free_tier: bool = False,
    size: int | None = None,
) -> Spend:
    """The window's spend, the month to date and the run-rate, in total and by pattern, service and account.

    Spend is measured history, so the what-if transforms do not apply to it; the run-rate and the
    recommended total are ``estate``'s own (they follow the assumptions the estate was assessed with).
    The usage is read a group of ``size`` resources at a time (``analysis.chunked.group_size``:
    ``BREAKEVEN_ESTATE_GROUP`` unless named; an account kept whole under free tiers), so memory does not grow
    with the estate; each resource's dollars are its own, so the sums are the one read's."""
    params = ModelParams(free_tier=free_tier)
    # one pass of today's model over the window's groups, shared with the spend line (``analysis.window_model``)
    priced = window_model(path, filters, book, free_tier, size)
    window = priced.window
    info = dict(priced.info)
    unpriced = set(priced.unpriced)
    if not priced.ends:
        mtd: dict[str, float] = {}
        month_lo, newest = None, None
    else:
        newest = max(priced.ends)
        month_lo = month_start(newest - 1)
        mtd = {}
        for part, done in zip(priced.parts, priced.months, strict=True):
            if done is not None and done.month_lo == month_lo:  # the part's newest data lies in the same month
                mtd.update(done.dollars)
                unpriced |= done.unpriced
            else:
                mtd.update(
                    _month_to_date(path, part, month_lo, newest, priced.window_start, book, params, unpriced, info)
                )
    rows = {row.resource_id: row for row in estate.rows}
    for row in estate.rows:
        info.setdefault(row.resource_id, {"service": row.service, "account": row.account, "name": row.name})
    out: list[SpendRow] = []
    for group in GROUPS:
        keys: dict[str, list[str]] = {}
        for resource_id, who in info.items():
            key = SERVICE_PATTERN.get(who["service"], "") if group == "pattern" else str(who[group])
            keys.setdefault(key, []).append(resource_id)
        for key, ids in sorted(keys.items()):
            label = {"pattern": PATTERN_LABELS.get(key, key), "service": service_label(key)}.get(group, key)
            run_rate = sum(rows[i].current.monthly_usd or 0.0 for i in ids if i in rows)
            out.append(
                SpendRow(
                    group,
                    key,
                    label,
                    sum(window.get(i, 0.0) for i in ids),
                    sum(mtd.get(i, 0.0) for i in ids),
                    run_rate,
                    len(ids),
                )
            )
    return Spend(
        window_usd=sum(window.values()),
        mtd_usd=sum(mtd.values()),
        run_rate_usd=estate.totals.today_usd,
        recommended_usd=estate.totals.recommended_usd,
        month_start=datetime.fromtimestamp(month_lo, UTC).date().isoformat() if month_lo is not None else "",
        data_until=datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if newest is not None else "",
        rows=tuple(out),
        unpriced=tuple(sorted(unpriced)),
    )
