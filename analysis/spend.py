"""Spend for a window: what was billed where a bill covers the window, what the model gives otherwise, and which.

The Overview's "spend" (and anything that totals an estate's cost for a period) reads this rather than the
model alone. For each selected resource:

- **billed**, when a bill for the resource's provider and account covers every day of the window that has
  data (the window clipped to the first and last day the selection has data): the effective (amortised)
  cost billed to it on those days — $0 when nothing was billed to it (a free tier, usage covered by credits);
- **modelled** otherwise: today's cost as the model prices it over the hours of data inside the window
  (``analysis.reconcile_model``, the same figures the Costs page shows), its monthly figure the model's.

A bill that covers only part of the window is not mixed with the model day by day; the resource stays
modelled and the note says how many days the bill covers (choose its invoice month to see it billed).
Spend billed to no known resource in a covered account — unmatched usage and the accounts' own charges
(tax, commitment fees) — is totalled apart, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from analysis.reconcile_model import Modelled
from common.units import MONTH_HOURS
from store import queries as q
from store.billing import ACCOUNT_CATEGORIES
from store.billing_queries import billed_lines, has_billing, usage_days

BASES = ("billed", "modelled")
GROUPS = ("pattern", "service", "account")


@dataclass(frozen=True)
class ResourceSpend:
    resource_id: str
    provider: str
    service: str
    pattern: str
    account: str
    name: str
    basis: str  # "billed" or "modelled"
    window_usd: float | None  # None: the model could not price it
    monthly_usd: float | None  # a 730-hour month
    hours: float  # hours the figure covers (billed days × 24, or the hours of data the model priced)


@dataclass
class Spend:
    start: date
    end: date
    resources: list[ResourceSpend]
    unmatched_usd: float = 0.0  # usage billed in covered accounts to no known resource
    account_charges_usd: float = 0.0  # tax, commitment fees, refunds… of covered accounts
    covered: dict[tuple[str, str], tuple[date, date]] = field(default_factory=dict)  # (provider, account) → days
    notes: list[str] = field(default_factory=list)

    @property
    def basis(self) -> str:
        """``billed``, ``modelled`` or ``billed and modelled`` (some resources each way)."""
        bases = {r.basis for r in self.resources}
        return " and ".join(b for b in BASES if b in bases) or "modelled"

    def total(self, basis: str | None = None) -> float:
        return sum(r.window_usd or 0.0 for r in self.resources if basis is None or r.basis == basis)

    def monthly_total(self, basis: str | None = None) -> float:
        return sum(r.monthly_usd or 0.0 for r in self.resources if basis is None or r.basis == basis)

    def by(self, key: str) -> pd.DataFrame:
        """Spend per ``pattern``, ``service`` or ``account``: the window's and the monthly figure, the billed
        part of the window's, and the basis of the group."""
        if key not in GROUPS:
            raise ValueError(f"spend is grouped by one of {', '.join(GROUPS)}, not {key!r}")
        columns = [key, "window_usd", "monthly_usd", "billed_usd", "resources", "basis"]
        if not self.resources:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame([r.__dict__ for r in self.resources])
        frame["billed_usd"] = frame["window_usd"].where(frame["basis"] == "billed", 0.0)
        grouped = frame.groupby(key, sort=True).agg(
            window_usd=("window_usd", lambda v: v.fillna(0).sum()),
            monthly_usd=("monthly_usd", lambda v: v.fillna(0).sum()),
            billed_usd=("billed_usd", "sum"),
            resources=("resource_id", "count"),
            basis=("basis", lambda v: " and ".join(b for b in BASES if b in set(v))),
        )
        return grouped.reset_index()[columns]

    def basis_text(self) -> str:
        """One line saying what the figure rests on."""
        billed = [r for r in self.resources if r.basis == "billed"]
        if not billed:
            if self.notes:
                return "modelled: the imported bills cover only part of this window"
            return "modelled: no imported bill covers this window"
        if len(billed) == len(self.resources):
            return "billed: every resource's account has a bill covering this window"
        return (
            f"billed for {len(billed)} of {len(self.resources)} resources (their accounts' bills cover the "
            "window), modelled for the rest"
        )


ModelledFn = Callable[[date, date], Mapping[str, Modelled]]


def _data_days(inventory: pd.DataFrame, start: date, end: date) -> tuple[date, date]:
    """The window clipped to the days the selection has data (resources' first and last seen)."""
    first = pd.to_datetime(inventory["first_seen"]).min() if "first_seen" in inventory else None
    last = pd.to_datetime(inventory["last_seen"]).max() if "last_seen" in inventory else None
    lo = max(start, first.date()) if first is not None and not pd.isna(first) else start
    hi = min(end, (last - timedelta(microseconds=1)).date()) if last is not None and not pd.isna(last) else end
    return lo, max(lo, hi)


def _effective(lines: pd.DataFrame) -> pd.Series:
    return lines["effective_cost"].fillna(lines["billed_cost"])


def spend(path: Path, filters: q.Filters, modelled_fn: ModelledFn) -> Spend:
    """Billed-or-modelled spend of the selected resources over the filters' days (see the module docstring);
    ``modelled_fn`` is the model's seam, e.g. ``analysis.reconcile_model.current_model(path, book, filters)``."""
    inventory = q.inventory(path, filters)
    if inventory.empty:
        return Spend(filters.start or date.today(), filters.end or date.today(), [])
    start, end = _data_days(inventory, filters.start or date.min, filters.end or date.max)
    modelled = modelled_fn(start, end)
    billing = has_billing(path)
    f = filters
    lines = billed_lines(path, start, end, f.providers, f.accounts, f.services, f.regions) if billing else None
    coverage = usage_days(path, start, end) if billing else {}
    days = (end - start).days + 1
    covered = {key: (lo, hi) for key, (lo, hi, n) in coverage.items() if lo <= start and hi >= end and n == days}
    billed_by_resource = (
        _effective(lines).groupby(lines["resource_id"]).sum() if lines is not None else pd.Series(dtype=float)
    )
    out: list[ResourceSpend] = []
    selected = set(zip(inventory["provider"], inventory["account"], strict=True))
    for res in inventory.itertuples(index=False):
        key = (res.provider, res.account)
        base = dict(
            resource_id=res.resource_id,
            provider=res.provider,
            service=res.service,
            pattern=res.pattern,
            account=res.account,
            name=res.name,
        )
        model = modelled.get(res.resource_id)
        if key in covered and (model is not None or res.resource_id in billed_by_resource.index):
            usd = float(billed_by_resource.get(res.resource_id, 0.0))
            hours = days * 24
            monthly = usd * MONTH_HOURS / hours
            out.append(ResourceSpend(**base, basis="billed", window_usd=usd, monthly_usd=monthly, hours=hours))
            continue
        if model is None:
            continue  # no measured usage in the window: nothing to model, nothing billed
        monthly = None if model.usd is None or model.hours <= 0 else model.usd * MONTH_HOURS / model.hours
        out.append(
            ResourceSpend(**base, basis="modelled", window_usd=model.usd, monthly_usd=monthly, hours=model.hours)
        )
    notes = [
        f"the bill for {p} {a} has usage on {n} of the window's {days} days ({lo} → {hi}): its resources are "
        "modelled; choose its invoice month to see what was billed"
        for (p, a), (lo, hi, n) in sorted(coverage.items())
        if (p, a) not in covered and (p, a) in selected
    ]
    unmatched = account = 0.0
    if lines is not None and not lines.empty:
        keys = pd.Series(list(zip(lines["provider"], lines["account"], strict=True)), index=lines.index)
        scope = lines[keys.isin(list(covered)) & lines["resource_id"].isna()]
        other = scope["charge_category"].isin(ACCOUNT_CATEGORIES)
        unmatched = float(_effective(scope[~other]).sum())
        account = float(_effective(scope[other]).sum())
    return Spend(start, end, out, unmatched, account, covered, notes)
