"""Billed against modelled, per resource, for the same days — and which line explains the difference.

For every resource whose account a bill covers, the **effective** (amortised) cost billed on the days the
bill covers is compared with what the cost model gives for those same days (``analysis.reconcile_model``, a
seam). Effective cost is what the resource's usage cost after commitments; the invoice's billed cost differs
from it by commitment fees paid at the account level, which are shown apart with tax and other account
charges, as is spend that matched no resource.

The difference is split exactly into effects that add up to it:

- **commitment**: Savings Plans, reservations, committed-use discounts (covered usage at its effective cost
  instead of on-demand, negation lines, GCP CUD credits);
- **credits**, **negotiated discounts**, and tax/fees/other charges on the resource's own lines;
- per usage class (``analysis.bill_classes``), usage at the rate paid before commitments against the model's
  lines: a **price** effect, (billed rate − model rate) × billed quantity, and a **quantity** effect,
  (billed − modelled quantity) × model rate, when both quantities are in one unit, else one **usage**
  effect; usage the model does **not cover** (data transfer, GPUs…); modelled usage that was **not billed**.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.bill_classes import CLASS_LABELS, billed_class, canonical_unit
from analysis.reconcile_model import Modelled, ModelledFn
from common.units import MONTH_HOURS
from store import queries as q
from store.billing import ACCOUNT_CATEGORIES, FAMILY_SERVICES, USAGE_CATEGORIES
from store.billing_queries import billed_lines, usage_days

CENT = 0.005
OTHER_CATEGORIES = ACCOUNT_CATEGORIES


@dataclass(frozen=True)
class Explanation:
    kind: str  # commitment, credit, discount, other_charges, price, quantity, usage, not_modelled, not_billed
    label: str
    usd: float  # this effect's part of (effective − modelled)
    detail: str = ""
    usage_class: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "usd": round(self.usd, 2), "detail": self.detail}


@dataclass
class ClassFigures:
    """One usage class of one resource, billed (at the rate paid before commitments) and modelled."""

    usage_class: str
    billed_usd: float = 0.0
    billed_quantity: float = 0.0
    billed_units: set[str | None] = field(default_factory=set)
    quantity_known: bool = True
    billed_lines: int = 0
    commitment_usd: float = 0.0
    discount_usd: float = 0.0
    credit_usd: float = 0.0
    modelled_usd: float = 0.0
    modelled_quantity: float = 0.0
    modelled_units: set[str | None] = field(default_factory=set)
    modelled_lines: int = 0
    model_items: set[tuple[str, str]] = field(default_factory=set)  # (service, price item)
    model_list_usd: float = 0.0

    @property
    def unit(self) -> str | None:
        """The one unit both sides are in, or None when their quantities cannot be compared."""
        if not self.quantity_known or len(self.billed_units) != 1 or self.billed_units != self.modelled_units:
            return None
        if self.billed_quantity <= 0 or self.modelled_quantity <= 0:
            return None
        return next(iter(self.billed_units))

    @property
    def billed_rate(self) -> float | None:
        return self.billed_usd / self.billed_quantity if self.unit else None

    @property
    def modelled_rate(self) -> float | None:
        return self.modelled_usd / self.modelled_quantity if self.unit else None


@dataclass
class ResourceReconciliation:
    resource_id: str
    service: str
    name: str
    provider: str
    account: str
    region: str
    start: date
    end: date
    billed_usd: float
    effective_usd: float
    modelled_usd: float | None
    explanations: list[Explanation] = field(default_factory=list)
    classes: dict[str, ClassFigures] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def difference_usd(self) -> float | None:
        return None if self.modelled_usd is None else self.effective_usd - self.modelled_usd

    @property
    def difference_pct(self) -> float | None:
        if self.modelled_usd is None or abs(self.modelled_usd) < CENT:
            return None
        return 100.0 * (self.effective_usd - self.modelled_usd) / self.modelled_usd

    @property
    def monthly_usd(self) -> float:
        """The effective cost billed, as a 730-hour month (the model's monthly convention)."""
        return self.effective_usd * MONTH_HOURS / (((self.end - self.start).days + 1) * 24)

    @property
    def main_explanation(self) -> Explanation | None:
        """The effect that moves the figure most: the line that explains the difference."""
        return max(self.explanations, key=lambda e: abs(e.usd), default=None)

    def as_dict(self) -> dict[str, Any]:
        main = self.main_explanation
        diff, pct = self.difference_usd, self.difference_pct
        return {
            "resource_id": self.resource_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "billed_usd": round(self.billed_usd, 2),
            "effective_usd": round(self.effective_usd, 2),
            "monthly_usd": round(self.monthly_usd, 2),
            "modelled_usd": None if self.modelled_usd is None else round(self.modelled_usd, 2),
            "difference_usd": None if diff is None else round(diff, 2),
            "difference_pct": None if pct is None else round(pct, 1),
            "explained_by": main.label if main else "",
            "explanations": [e.as_dict() for e in self.explanations],
            "notes": list(self.notes),
        }


@dataclass
class Reconciliation:
    start: date
    end: date
    resources: list[ResourceReconciliation]
    unmatched: pd.DataFrame  # usage spend matching no resource, per provider/account/service/region
    account_charges: pd.DataFrame  # tax, commitment fees… that name no resource, per provider/account/category
    uncovered: list[str] = field(default_factory=list)  # resources whose account no bill covers in the range

    def unmatched_by_service(self) -> dict[str, float]:
        """Unmatched usage spend (effective) per billed service name: the report's ``unmatched_usd``."""
        if self.unmatched.empty:
            return {}
        grouped = self.unmatched.groupby("service_name")["effective_usd"].sum()
        return {str(k): round(float(v), 2) for k, v in grouped.items() if abs(v) >= CENT}

    def resource(self, resource_id: str) -> ResourceReconciliation | None:
        return next((r for r in self.resources if r.resource_id == resource_id), None)


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _effective(row: Any) -> float:
    effective = _num(row.effective_cost)
    return effective if effective is not None else float(row.billed_cost)


def _ondemand(row: Any) -> float:
    """Covered usage at the rate paid before the commitment: CUR's unblended cost, else FOCUS's contracted or
    list cost (FOCUS bills covered usage at 0, and its EffectiveCost at the commitment's rate)."""
    if abs(float(row.billed_cost)) > 1e-12:
        return float(row.billed_cost)
    for value in (row.contracted_cost, row.list_cost):
        if _num(value) is not None:
            return float(value)
    return _effective(row)


def _billed_side(rows: pd.DataFrame, family: str | None, classes: dict[str, ClassFigures]) -> float:
    """Fill the billed side of each class; returns the total of tax, fees and other charges."""
    other = 0.0
    for row in rows.itertuples(index=False):
        cls = billed_class(family, row.usage_type if isinstance(row.usage_type, str) else None)
        figures = classes.setdefault(cls, ClassFigures(cls))
        effective = _effective(row)
        category = row.charge_category
        if category in USAGE_CATEGORIES:
            paid = effective if category == "usage" else _ondemand(row)
            figures.billed_usd += paid
            figures.commitment_usd += effective - paid
            figures.billed_lines += 1
            quantity = _num(row.usage_quantity)
            if quantity is None:
                figures.quantity_known = False
            else:
                figures.billed_quantity += quantity
                figures.billed_units.add(canonical_unit(row.usage_unit if isinstance(row.usage_unit, str) else None))
        elif category == "commitment_negation":
            figures.commitment_usd += effective
        elif category == "credit":
            figures.credit_usd += effective
        elif category == "discount":
            figures.discount_usd += effective
        else:
            other += effective
    return other


def _model_side(modelled: Modelled | None, classes: dict[str, ClassFigures]) -> None:
    for line in modelled.lines if modelled else ():
        figures = classes.setdefault(line.usage_class, ClassFigures(line.usage_class))
        figures.modelled_usd += line.usd
        figures.modelled_quantity += line.quantity
        figures.modelled_units.add(canonical_unit(line.unit))
        figures.modelled_lines += 1
        figures.model_items.add((line.service, line.item))
        figures.model_list_usd += line.quantity * line.list_unit_price_usd


def _class_effects(figures: ClassFigures) -> list[Explanation]:
    label = CLASS_LABELS.get(figures.usage_class, figures.usage_class)
    cls = figures.usage_class
    if figures.billed_lines and not figures.modelled_lines:
        return [Explanation("not_modelled", f"{label} billed, not in the model", figures.billed_usd, usage_class=cls)]
    if figures.modelled_lines and not figures.billed_lines:
        return [Explanation("not_billed", f"{label} modelled, not billed", -figures.modelled_usd, usage_class=cls)]
    unit = figures.unit
    if unit is None:
        detail = f"billed ${figures.billed_usd:,.2f}, modelled ${figures.modelled_usd:,.2f} (quantities not comparable)"
        return [Explanation("usage", f"{label} billed differs", figures.billed_usd - figures.modelled_usd, detail, cls)]
    rate_b, rate_m = figures.billed_rate or 0.0, figures.modelled_rate or 0.0
    price = (rate_b - rate_m) * figures.billed_quantity
    quantity = (figures.billed_quantity - figures.modelled_quantity) * rate_m
    return [
        Explanation(
            "price",
            f"price of {label}",
            price,
            f"billed ${rate_b:.6g}/{unit} against the model's ${rate_m:.6g}/{unit}",
            cls,
        ),
        Explanation(
            "quantity",
            f"quantity of {label}",
            quantity,
            f"billed {figures.billed_quantity:,.6g} {unit} against {figures.modelled_quantity:,.6g} modelled",
            cls,
        ),
    ]


def explain(rows: pd.DataFrame, family: str | None, modelled: Modelled | None) -> tuple[dict, list[Explanation]]:
    """Per-class figures and the effects that add up to (effective − modelled) for one resource."""
    classes: dict[str, ClassFigures] = {}
    other = _billed_side(rows, family, classes)
    _model_side(modelled, classes)
    effects: list[Explanation] = []
    commitment = sum(f.commitment_usd for f in classes.values())
    if abs(commitment) >= CENT:
        parts = [
            f"{CLASS_LABELS.get(f.usage_class, f.usage_class)}: {-100 * f.commitment_usd / f.billed_usd:.1f}% off "
            f"${f.billed_usd:,.2f} on-demand"
            for f in classes.values()
            if abs(f.commitment_usd) >= CENT and f.billed_usd > 0
        ]
        effects.append(Explanation("commitment", "Savings Plan / committed-use discount", commitment, "; ".join(parts)))
    for kind, label, usd in (
        ("credit", "credits", sum(f.credit_usd for f in classes.values())),
        ("discount", "negotiated discounts", sum(f.discount_usd for f in classes.values())),
        ("other_charges", "tax, fees and other charges on this resource", other),
    ):
        if abs(usd) >= CENT:
            effects.append(Explanation(kind, label, usd))
    for figures in sorted(classes.values(), key=lambda f: f.usage_class):
        effects += [e for e in _class_effects(figures) if abs(e.usd) >= CENT]
    effects.sort(key=lambda e: -abs(e.usd))
    return classes, effects


def reconcile(
    path: Path,
    start: date,
    end: date,
    modelled_fn: ModelledFn,
    providers: tuple[str, ...] = (),
    accounts: tuple[str, ...] = (),
    *,
    filters: q.Filters | None = None,
) -> Reconciliation:
    """Every covered resource's billed and modelled cost over the days its bill covers in ``start``..``end``.

    ``filters`` (the sidebar's) narrows the resources and the billed charges to its providers, accounts,
    services and regions (``providers``/``accounts`` are the same for callers without one)."""
    scope = filters or q.Filters(providers=providers, accounts=accounts)
    scope = replace(scope, start=None, end=None, month=None, since=None, until=None)
    lines = billed_lines(path, start, end, scope.providers, scope.accounts, scope.services, scope.regions)
    empty = pd.DataFrame()
    if lines.empty:
        return Reconciliation(start, end, [], empty, empty)
    ranges = {
        key: (lo, hi)
        for key, (lo, hi, _) in usage_days(path, start, end).items()
        if (not scope.providers or key[0] in scope.providers) and (not scope.accounts or key[1] in scope.accounts)
    }
    inventory = q.inventory(path, scope)
    modelled_by_range = {span: modelled_fn(*span) for span in sorted(set(ranges.values()))}
    matched = lines[lines["resource_id"].notna()]
    results, uncovered = [], []
    for res in inventory.itertuples(index=False):
        span = ranges.get((res.provider, res.account))
        if span is None:
            uncovered.append(res.resource_id)
            continue
        rows = matched[matched["resource_id"] == res.resource_id]
        modelled = modelled_by_range[span].get(res.resource_id)
        if rows.empty and modelled is None:
            continue
        family = rows["match_family"].dropna().iloc[0] if rows["match_family"].notna().any() else None
        classes, effects = explain(rows, family, modelled)
        result = ResourceReconciliation(
            resource_id=res.resource_id,
            service=res.service,
            name=res.name,
            provider=res.provider,
            account=res.account,
            region=res.region,
            start=span[0],
            end=span[1],
            billed_usd=float(rows["billed_cost"].sum()),
            effective_usd=sum(_effective(r) for r in rows.itertuples(index=False)),
            modelled_usd=None if modelled is None else modelled.usd,
            explanations=effects if modelled is not None and modelled.usd is not None else [],
            classes=classes,
        )
        result.notes += _notes(result, modelled, lines, billed=not rows.empty)
        results.append(result)
    return Reconciliation(start, end, results, _unmatched(lines), _account_charges(lines), uncovered)


def _families(service: str) -> list[str]:
    return [family for family, services in FAMILY_SERVICES.items() if service in services]


def _notes(result: ResourceReconciliation, modelled: Modelled | None, lines: pd.DataFrame, billed: bool) -> list[str]:
    notes = []
    if modelled is None:
        notes.append("no measured usage on these days: nothing to model")
    elif modelled.usd is None:
        notes.append(f"the model could not price this resource: {modelled.error}")
    else:
        billed_hours = ((result.end - result.start).days + 1) * 24
        if modelled.hours < billed_hours - 1:
            notes.append(f"the model priced {modelled.hours:,.0f} h of data; the bill covers {billed_hours} h")
        notes += [n for n in modelled.notes if n.startswith("the model is incomplete")]
    if not billed:
        unmatched = lines["resource_id"].isna() & (lines["account"] == result.account)
        scope = lines[unmatched & lines["charge_category"].isin(USAGE_CATEGORIES)]
        scope = scope[scope["match_family"].isin(_families(result.service))]
        if not scope.empty:
            notes.append(
                f"nothing billed matched this resource; ${scope['billed_cost'].sum():,.2f} of "
                f"{', '.join(sorted(scope['service_name'].unique()))} usage in account {result.account} names no "
                "resource (an export without resource ids?)"
            )
    return notes


def _unmatched(lines: pd.DataFrame) -> pd.DataFrame:
    rows = lines[lines["resource_id"].isna() & ~lines["charge_category"].isin(OTHER_CATEGORIES)].copy()
    rows["effective_usd"] = [_effective(r) for r in rows.itertuples(index=False)]
    rows = rows.rename(columns={"billed_cost": "billed_usd"})
    keys = ["provider", "account", "service_name", "match_family", "region"]
    return rows.groupby(keys, dropna=False)[["billed_usd", "effective_usd"]].sum().reset_index()


def _account_charges(lines: pd.DataFrame) -> pd.DataFrame:
    rows = lines[lines["resource_id"].isna() & lines["charge_category"].isin(OTHER_CATEGORIES)].copy()
    rows["effective_usd"] = [_effective(r) for r in rows.itertuples(index=False)]
    rows = rows.rename(columns={"billed_cost": "billed_usd"})
    keys = ["provider", "account", "charge_category"]
    return rows.groupby(keys, dropna=False)[["billed_usd", "effective_usd"]].sum().reset_index()
