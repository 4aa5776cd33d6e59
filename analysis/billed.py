"""What was billed, per resource, beside what the model gives for the same days: the view every cost surface
shows (the Costs page, ``report`` JSON, CSV and markdown), so they agree.

For a window (the sidebar's days, an invoice month, or ``report``'s ``--since``/``--until``), the days that
fall wholly inside it are reconciled (``analysis.reconcile``): per resource whose account a bill covers, the
effective (amortised) cost billed on the days its bill covers, its 730-hour month, the model's cost of the
same days (today's cost as the replay engine prices it, ``analysis.reconcile_model``), the difference and
the line that explains it. Spend that matches no resource is kept per billed service name (the report's
``unmatched_usd``), with the accounts' own charges (tax, commitment fees) apart; the rates the bill implies
(``analysis.calibrate``) come with it, for the view priced at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.calibrate import Calibration, calibrate, calibrated_book
from analysis.params import ModelParams
from analysis.reconcile import Reconciliation, ResourceReconciliation, reconcile
from analysis.reconcile_model import current_model
from analysis.types import EstateAssessment, RowsById
from pricing import PriceBook
from store import queries as q
from store.billing_queries import billing_coverage, has_billing


@dataclass(frozen=True)
class Effect:
    label: str
    usd: float
    detail: str


@dataclass(frozen=True)
class BilledRow:
    """One resource's bill beside its model over the same days (``start``..``end``, inclusive UTC days)."""

    resource_id: str
    start: date
    end: date
    window_usd: float  # effective (amortised) cost billed on those days
    invoice_usd: float  # the invoice's basis (BilledCost / unblended): covered usage nets out against its plan
    monthly_usd: float  # window_usd as a 730-hour month
    modelled_usd: float | None  # the model's cost of the same days
    difference_usd: float | None
    difference_pct: float | None
    explained_by: str  # the line that explains the difference (the largest effect), "" when there is none
    explanation: str  # its derivation
    effects: tuple[Effect, ...]
    source: str  # the bills the figures come from
    notes: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, Any]:
        """Issue 13's ``billed`` object of a ``report`` resource."""
        return {
            "window_usd": round(self.window_usd, 2),
            "monthly_usd": round(self.monthly_usd, 2),
            "difference_pct": None if self.difference_pct is None else round(self.difference_pct, 1) + 0.0,
            "source": self.source,
        }


@dataclass(frozen=True)
class UnmatchedRow:
    provider: str
    account: str
    service_name: str  # as billed
    region: str
    usd: float  # effective


@dataclass(frozen=True)
class AccountCharge:
    provider: str
    account: str
    category: str
    usd: float  # effective


@dataclass(frozen=True)
class BilledView(RowsById["BilledRow"]):
    start: date
    end: date
    rows: tuple[BilledRow, ...]
    unmatched_usd: dict[str, float]  # usage matching no resource, per billed service name
    unmatched: tuple[UnmatchedRow, ...]
    account_charges: tuple[AccountCharge, ...]
    uncovered: tuple[str, ...]  # selected resources whose account no bill covers in the window
    calibrations: tuple[Calibration, ...]

    @property
    def billed_usd(self) -> float:
        return sum(r.window_usd for r in self.rows)

    @property
    def modelled_usd(self) -> float:
        return sum(r.modelled_usd or 0.0 for r in self.rows)

    @property
    def difference_usd(self) -> float:
        """Billed − modelled over the resources the model priced (the others' bills are in ``billed_usd``)."""
        return sum(r.difference_usd for r in self.rows if r.difference_usd is not None)

    @property
    def difference_pct(self) -> float | None:
        modelled = sum(r.modelled_usd for r in self.rows if r.difference_usd is not None and r.modelled_usd)
        return self.difference_usd / modelled * 100 if modelled else None

    @property
    def unmatched_total(self) -> float:
        return sum(self.unmatched_usd.values())

    @property
    def account_total(self) -> float:
        return sum(c.usd for c in self.account_charges)


def window_days(f: q.Filters) -> tuple[date, date] | None:
    """The UTC days wholly inside the filters' window (a bill is per day), None when there is none."""
    lo, hi = f.window()
    first = lo.date() if lo.time() == time() else lo.date() + timedelta(days=1)
    last = hi.date() - timedelta(days=1)
    return (first, last) if first <= last else None


def _sources(path: Path) -> pd.DataFrame:
    coverage = billing_coverage(path)
    coverage["billing_period"] = pd.to_datetime(coverage["billing_period"]).dt.date
    return coverage


def _source_of(coverage: pd.DataFrame, res: ResourceReconciliation) -> str:
    """The bills of the resource's account whose month overlaps the days compared: ``format: file``."""
    rows = coverage[(coverage["provider"] == res.provider) & (coverage["account"] == res.account)]
    parts = []
    for row in rows.itertuples(index=False):
        month = row.billing_period
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month <= res.end and following > res.start:
            parts.append(f"{row.formats}: {row.files}")
    return "; ".join(dict.fromkeys(parts))


def _row(res: ResourceReconciliation, source: str) -> BilledRow:
    main = res.main_explanation
    return BilledRow(
        resource_id=res.resource_id,
        start=res.start,
        end=res.end,
        window_usd=res.effective_usd,
        invoice_usd=res.billed_usd,
        monthly_usd=res.monthly_usd,
        modelled_usd=res.modelled_usd,
        difference_usd=res.difference_usd,
        difference_pct=res.difference_pct,
        explained_by=main.label if main else "",
        explanation=main.detail if main else "",
        effects=tuple(Effect(e.label, e.usd, e.detail) for e in res.explanations),
        source=source,
        notes=tuple(res.notes),
    )


def view_of(recon: Reconciliation, coverage: pd.DataFrame) -> BilledView:
    """A reconciliation as the frozen rows the surfaces show."""
    unmatched = tuple(
        UnmatchedRow(
            str(r.provider),
            str(r.account),
            str(r.service_name),
            "" if pd.isna(r.region) else str(r.region),
            float(r.effective_usd),
        )
        for r in (recon.unmatched.itertuples(index=False) if not recon.unmatched.empty else ())
    )
    charges = tuple(
        AccountCharge(str(r.provider), str(r.account), str(r.charge_category), float(r.effective_usd))
        for r in (recon.account_charges.itertuples(index=False) if not recon.account_charges.empty else ())
    )
    return BilledView(
        start=recon.start,
        end=recon.end,
        rows=tuple(_row(res, _source_of(coverage, res)) for res in recon.resources),
        unmatched_usd=recon.unmatched_by_service(),
        unmatched=unmatched,
        account_charges=charges,
        uncovered=tuple(recon.uncovered),
        calibrations=tuple(calibrate(recon)),
    )


def billed_view(path: Path, filters: q.Filters, book: PriceBook, *, free_tier: bool = False) -> BilledView | None:
    """The bill beside the model for the filters' window; None when no bill was imported (nothing to show)."""
    if not Path(path).exists() or not has_billing(path):
        return None
    days = window_days(filters)
    if days is None:
        return None
    recon = reconcile(path, *days, current_model(path, book, filters, free_tier), filters=filters)
    return view_of(recon, _sources(path))


@dataclass(frozen=True)
class BillRates:
    """The estate assessed at the rates the bill implies (issue 13's calibration), with what was set aside."""

    calibrations: tuple[Calibration, ...]
    set_aside: tuple[str, ...]  # the user's rules this view does not apply (the bill measured their service)
    estate: EstateAssessment


def at_bill_rates(path: Path, filters: q.Filters, params: ModelParams, view: BilledView, book: PriceBook) -> BillRates:
    """Every resource and alternative priced at the bill's effective rates (``calibrated_book``): list prices,
    the user's rules of services the bill did not measure (``book``'s overrides file), then the calibration."""
    from analysis.estate import assess_estate
    from pricing import load_price_book
    from pricing.overrides import load_overrides

    user = load_overrides(book.overrides_path) if book.overrides_path else None
    calibrated = calibrated_book(load_price_book(use_env=False), user, list(view.calibrations))
    estate = assess_estate(Path(path), filters, params, calibrated.book)
    return BillRates(view.calibrations, tuple(calibrated.set_aside), estate)


def report_dict(estate_dict: dict[str, Any], view: BilledView | None) -> dict[str, Any]:
    """``report``'s JSON with issue 13's additions: ``billed`` per resource (null where no bill covers it) and
    the top-level ``unmatched_usd`` ({} when no bill was imported)."""
    out = dict(estate_dict)
    resources = []
    for resource in estate_dict["resources"]:
        row = view.row(resource["resource_id"]) if view else None
        resources.append({**resource, "billed": row.to_dict() if row else None})
    out["resources"] = resources
    out["unmatched_usd"] = dict(sorted(view.unmatched_usd.items())) if view else {}
    return out


__all__ = [
    "BillRates",
    "BilledRow",
    "BilledView",
    "at_bill_rates",
    "billed_view",
    "report_dict",
    "view_of",
    "window_days",
]
