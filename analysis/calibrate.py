"""The rates a bill implies, as price overrides and discounts the pricing engine takes.

From a reconciliation, per service, region and usage class (over every resource the bill matched):

- a **discount** where commitments or negotiated discounts cut the usage's cost: the measured share off the
  rate paid before them, e.g. "Lambda compute in us-east-1: $105.01 on-demand, $94.30 after the Savings
  Plan (−$10.71): 10.2 % off", which prices the alternatives at the effective rate the bill shows;
- an **override** where the rate paid before commitments is not the price sheet's list price (a region the
  sheet prices with another region's figure, a negotiated rate), when the bill's quantity is in the model's
  unit and the class has one price item.

Credits (free tier, promotions) are not rates and are left out. Each result keeps its derivation in words;
:func:`to_overrides` gives ``pricing.overrides.Overrides``, :func:`to_rules` the overrides file's tables (the
Prices page's editor saves them) and :func:`to_toml` the file's text.

:func:`calibrated_book` prices a view at the bill's rates without touching the user's file: the bundled list
prices, the user's own rules except those for a service and region the bill measured (a discount there would
be counted twice: the bill's rates already include it), then the calibration.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from analysis.bill_classes import CLASS_LABELS
from analysis.reconcile import ClassFigures, Reconciliation
from pricing import PriceBook
from pricing.overrides import Discount, Override, Overrides, apply_overrides
from pricing.overrides_file import rules_to_toml

MIN_DISCOUNT_PCT = 0.1  # smaller measured discounts are noise, not a rate
MIN_RATE_GAP = 0.005  # 0.5 %: a billed rate closer than this to the list price needs no override


@dataclass(frozen=True)
class Calibration:
    kind: str  # "discount" or "override"
    service: str
    region: str
    usage_class: str
    items: tuple[str, ...]
    percent: float | None  # discount
    usd: float | None  # override: the billed unit price
    unit: str | None
    derivation: str

    @property
    def name(self) -> str:
        return f"measured from the bill: {self.derivation}"


@dataclass
class _Group:
    billed_usd: float = 0.0
    commitment_usd: float = 0.0
    discount_usd: float = 0.0
    quantity: float = 0.0
    list_usd: float = 0.0
    comparable: bool = True
    units: set[str | None] | None = None
    items: set[str] | None = None


def _add(group: _Group, figures: ClassFigures) -> None:
    group.billed_usd += figures.billed_usd
    group.commitment_usd += figures.commitment_usd
    group.discount_usd += figures.discount_usd
    group.items = (group.items or set()) | {item for _, item in figures.model_items}
    if figures.unit is None:
        group.comparable = False
        return
    group.units = (group.units or set()) | {figures.unit}
    group.quantity += figures.billed_quantity
    group.list_usd += figures.model_list_usd * figures.billed_quantity / figures.modelled_quantity


def calibrate(recon: Reconciliation) -> list[Calibration]:
    """Discounts and overrides the bill implies, one per service × region × usage class."""
    groups: dict[tuple[str, str, str], _Group] = defaultdict(_Group)
    for res in recon.resources:
        for figures in res.classes.values():
            if figures.billed_lines and figures.modelled_lines:
                _add(groups[(res.service, res.region, figures.usage_class)], figures)
    days = f"{recon.start} → {recon.end}"
    out: list[Calibration] = []
    for (service, region, cls), g in sorted(groups.items()):
        label = f"{service} {CLASS_LABELS.get(cls, cls)} in {region}, {days}"
        items = tuple(sorted(g.items or ()))
        off = -(g.commitment_usd + g.discount_usd)
        if g.billed_usd > 0 and 100 * off / g.billed_usd >= MIN_DISCOUNT_PCT:
            percent = round(100 * off / g.billed_usd, 4)
            derivation = (
                f"{label}: ${g.billed_usd:,.2f} at the rate paid before commitments, "
                f"${g.billed_usd - off:,.2f} after them (commitments ${g.commitment_usd:,.2f}, negotiated discounts "
                f"${g.discount_usd:,.2f}): {percent:g} % off"
            )
            out.append(Calibration("discount", service, region, cls, items, percent, None, None, derivation))
        unit = next(iter(g.units)) if g.comparable and g.units and len(g.units) == 1 else None
        if unit and len(items) == 1 and g.quantity > 0 and g.list_usd > 0:
            billed_rate, list_rate = g.billed_usd / g.quantity, g.list_usd / g.quantity
            if abs(billed_rate / list_rate - 1) >= MIN_RATE_GAP:
                derivation = (
                    f"{label}: ${g.billed_usd:,.2f} for {g.quantity:,.6g} {unit} = ${billed_rate:.6g}/{unit}, "
                    f"where the price sheet says ${list_rate:.6g}/{unit}"
                )
                out.append(Calibration("override", service, region, cls, items, None, billed_rate, unit, derivation))
    return out


def to_overrides(calibrations: list[Calibration], origin: str = "bill calibration") -> Overrides:
    discounts = tuple(
        Discount(c.service, c.percent or 0.0, c.items or ("*",), (c.region,), c.name)
        for c in calibrations
        if c.kind == "discount"
    )
    overrides = tuple(
        Override(c.service, c.items[0], c.usd or 0.0, c.region, c.name) for c in calibrations if c.kind == "override"
    )
    return Overrides(discounts, overrides, origin)


def to_rules(calibrations: list[Calibration]) -> dict[str, list[dict[str, Any]]]:
    """The overrides file's ``[[discount]]`` and ``[[override]]`` tables for the calibrations."""
    discounts = [
        {
            "service": c.service,
            "percent": c.percent,
            "items": list(c.items or ("*",)),
            "regions": [c.region],
            "name": c.name,
        }
        for c in calibrations
        if c.kind == "discount"
    ]
    overrides = [
        {"service": c.service, "item": c.items[0], "region": c.region, "usd": c.usd, "name": c.name}
        for c in calibrations
        if c.kind == "override"
    ]
    return {"discount": discounts, "override": overrides}


def to_toml(calibrations: list[Calibration]) -> str:
    """The overrides file (``BREAKEVEN_PRICE_OVERRIDES``) that prices the alternatives at the bill's rates."""
    return "# Rates measured from imported bills (analysis.calibrate); review before use.\n\n" + rules_to_toml(
        to_rules(calibrations)
    )


def _measured(rule_service: str, regions: tuple[str, ...], calibrations: list[Calibration]) -> bool:
    return any(c.service == rule_service and any(fnmatchcase(c.region, r) for r in regions) for c in calibrations)


@dataclass(frozen=True)
class CalibratedBook:
    book: PriceBook
    calibrations: list[Calibration]
    set_aside: list[str]  # the user's rules this view does not apply, in words


def calibrated_book(bundled: PriceBook, user: Overrides | None, calibrations: list[Calibration]) -> CalibratedBook:
    """``bundled`` (list prices) with the user's rules, except those of a measured service and region, then
    the calibration: the rates the bill shows, for this view only."""
    kept_discounts, kept_overrides, aside = [], [], []
    for rule in user.discounts if user else ():
        if _measured(rule.service, rule.regions, calibrations):
            aside.append(f"discount {rule.name or rule.service} ({rule.percent:g} % on {rule.service})")
        else:
            kept_discounts.append(rule)
    for rule in user.overrides if user else ():
        if _measured(rule.service, (rule.region,), calibrations):
            aside.append(f"override {rule.name or rule.item} ({rule.service} {rule.item})")
        else:
            kept_overrides.append(rule)
    book = bundled
    if user is not None and (kept_discounts or kept_overrides):
        book = apply_overrides(book, replace(user, discounts=tuple(kept_discounts), overrides=tuple(kept_overrides)))
    if calibrations:
        book = apply_overrides(book, to_overrides(calibrations))
    return CalibratedBook(book, calibrations, aside)
