"""The price book: bundled price sheets (JSON data files) plus an optional user overrides file.

Every price keeps its provenance (source URL, retrieval date, confidence) and both its list tiers and
its effective tiers (after the user's overrides and discounts), so reports can show both.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from common.services import PROVIDERS
from pricing.errors import MissingPriceError, SheetError, UnknownRegionError

CONFIDENCE_LEVELS = ("verified", "third-party", "unconfirmed")

Tiers = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Source:
    """Where a price came from. ``adjustment`` names a user override or discount when one applies."""

    url: str
    retrieved: str
    confidence: str
    note: str = ""
    adjustment: str = ""

    def to_dict(self) -> dict[str, str]:
        data = {"url": self.url, "retrieved": self.retrieved, "confidence": self.confidence}
        if self.note:
            data["note"] = self.note
        if self.adjustment:
            data["adjustment"] = self.adjustment
        return data


@dataclass(frozen=True)
class Price:
    """One price: ``tiers`` are (start quantity, USD per unit) pairs; a flat price has one tier at 0."""

    provider: str
    service: str
    item: str
    region: str
    unit: str
    list_tiers: Tiers
    source: Source
    tiers: Tiers = ()

    def __post_init__(self) -> None:
        if not self.tiers:
            object.__setattr__(self, "tiers", self.list_tiers)

    @property
    def key(self) -> str:
        return f"{self.service}/{self.item}/{self.region}"

    @property
    def usd(self) -> float:
        """The effective first-tier (or flat) price per unit."""
        return self.tiers[0][1]

    @property
    def list_usd(self) -> float:
        return self.list_tiers[0][1]

    @property
    def is_adjusted(self) -> bool:
        return self.tiers != self.list_tiers


@dataclass(frozen=True)
class FreeTier:
    """A monthly free allowance, account-wide: only applied when the caller asks for it."""

    service: str
    item: str
    quantity: float
    unit: str
    source: Source


@dataclass(frozen=True)
class MachineSpec:
    """Compute shape of an endpoint instance or machine type (needed by the capacity models)."""

    provider: str
    name: str
    vcpu: float
    memory_gib: float
    accelerator: str = ""
    accelerator_count: int = 0


@dataclass(frozen=True)
class PriceBook:
    """All prices known to the engine. Build it with :func:`load_price_book`."""

    prices: Mapping[str, Price]
    free_tiers: Mapping[str, FreeTier]
    machines: Mapping[str, MachineSpec]
    facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    overrides_path: str = ""

    def price(self, service: str, item: str, region: str) -> Price:
        found = self.prices.get(f"{service}/{item}/{region}")
        if found is not None:
            return found
        known = self.regions(service)
        if region not in known:
            raise UnknownRegionError(service, region, known)
        items = sorted({p.item for p in self.prices.values() if p.service == service and p.region == region})
        raise MissingPriceError(f"no {service} price for {item!r} in {region}; priced there: {', '.join(items)}")

    def free_tier(self, service: str, item: str) -> FreeTier | None:
        return self.free_tiers.get(f"{service}/{item}")

    def regions(self, service: str | None = None) -> list[str]:
        return sorted({p.region for p in self.prices.values() if service is None or p.service == service})

    def check_region(self, service: str, region: str) -> None:
        known = self.regions(service)
        if region not in known:
            raise UnknownRegionError(service, region, known)

    def services(self) -> list[str]:
        return sorted({p.service for p in self.prices.values()})

    def items(self, service: str, region: str, prefix: str = "") -> list[Price]:
        return sorted(
            (
                p
                for p in self.prices.values()
                if p.service == service and p.region == region and p.item.startswith(prefix)
            ),
            key=lambda p: p.item,
        )

    def machine_types(self, service: str, region: str) -> list[tuple[MachineSpec, Price]]:
        """Priced instance/machine types for an endpoint service in a region, cheapest first."""
        prefix = "instance/" if service == "sagemaker-endpoint" else "machine/"
        pairs = []
        for price in self.items(service, region, prefix):
            spec = self.machines.get(price.item.removeprefix(prefix))
            if spec is not None:
                pairs.append((spec, price))
        return sorted(pairs, key=lambda pair: (pair[1].usd, pair[0].name))

    def fact(self, service: str, name: str) -> Any:
        try:
            return self.facts[service][name]
        except KeyError as exc:
            raise SheetError(f"price sheets lack the fact {service}.{name}") from exc


def _tiers_from(entry: Mapping[str, Any], where: str) -> Tiers:
    if "usd" in entry:
        return ((0.0, float(entry["usd"])),)
    if "tiers" in entry:
        tiers = tuple((float(start), float(usd)) for start, usd in entry["tiers"])
        if not tiers or tiers[0][0] != 0 or any(b[0] <= a[0] for a, b in itertools.pairwise(tiers)):
            raise SheetError(f"{where}: tiers must start at 0 and increase")
        return tiers
    raise SheetError(f"{where}: a price needs 'usd' or 'tiers'")


def _source_from(sources: Mapping[str, Any], entry: Mapping[str, Any], where: str) -> Source:
    name = entry.get("source")
    if name not in sources:
        raise SheetError(f"{where}: unknown source {name!r}")
    base = sources[name]
    confidence = entry.get("confidence", base.get("confidence"))
    if confidence not in CONFIDENCE_LEVELS:
        raise SheetError(f"{where}: confidence must be one of {', '.join(CONFIDENCE_LEVELS)}")
    note = "; ".join(part for part in (base.get("note", ""), entry.get("note", "")) if part)
    retrieved = entry.get("retrieved", base["retrieved"])
    return Source(url=entry.get("url", base["url"]), retrieved=retrieved, confidence=confidence, note=note)


def parse_sheet(sheet: Mapping[str, Any], origin: str) -> tuple[list[Price], list[FreeTier], list[MachineSpec], dict]:
    """Turn one sheet (decoded JSON) into prices, free tiers, machine specs and service facts."""
    provider = sheet.get("provider")
    if provider not in PROVIDERS:
        raise SheetError(f"{origin}: provider must be one of {', '.join(PROVIDERS)}")
    sources = sheet.get("sources", {})
    prices: list[Price] = []
    for index, entry in enumerate(sheet.get("prices", [])):
        where = f"{origin}: prices[{index}]"
        regions = entry.get("regions") or [entry.get("region")]
        if not all(regions):
            raise SheetError(f"{where}: needs 'region' or 'regions'")
        tiers = _tiers_from(entry, where)
        source = _source_from(sources, entry, where)
        for region in regions:
            prices.append(Price(provider, entry["service"], entry["item"], region, entry["unit"], tiers, source))
    free = [
        FreeTier(e["service"], e["item"], float(e["quantity"]), e["unit"], _source_from(sources, e, f"{origin}: free"))
        for e in sheet.get("free_tier", [])
    ]
    machines = [
        MachineSpec(
            provider,
            name,
            float(m["vcpu"]),
            float(m["memory_gib"]),
            m.get("accelerator", ""),
            int(m.get("accelerator_count", 0)),
        )
        for name, m in sheet.get("machines", {}).items()
    ]
    return prices, free, machines, dict(sheet.get("facts", {}))


def bundled_sheets() -> list[tuple[str, dict[str, Any]]]:
    """The sheets shipped inside the package: the offline default."""
    folder = resources.files("pricing") / "data"
    return [
        (f"pricing/data/{p.name}", json.loads(p.read_text("utf-8")))
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".json")
    ]


def build_book(sheets: Iterable[tuple[str, Mapping[str, Any]]]) -> PriceBook:
    prices: dict[str, Price] = {}
    free: dict[str, FreeTier] = {}
    machines: dict[str, MachineSpec] = {}
    facts: dict[str, dict[str, Any]] = {}
    for origin, sheet in sheets:
        sheet_prices, sheet_free, sheet_machines, sheet_facts = parse_sheet(sheet, origin)
        for price in sheet_prices:
            if price.key in prices:
                raise SheetError(f"{origin}: duplicate price {price.key}")
            prices[price.key] = price
        free.update({f"{f.service}/{f.item}": f for f in sheet_free})
        machines.update({m.name: m for m in sheet_machines})
        for service, service_facts in sheet_facts.items():
            facts.setdefault(service, {}).update(service_facts)
    return PriceBook(prices=prices, free_tiers=free, machines=machines, facts=facts)


def load_price_book(overrides: str | Path | None = None, *, use_env: bool = True) -> PriceBook:
    """Bundled sheets, then the user's overrides file (argument, else env ``BREAKEVEN_PRICE_OVERRIDES``)."""
    from pricing.overrides import apply_overrides, load_overrides, overrides_path_from_env

    book = build_book(bundled_sheets())
    path = Path(overrides) if overrides else (overrides_path_from_env() if use_env else None)
    if path is None:
        return book
    return replace(apply_overrides(book, load_overrides(path)), overrides_path=str(path))
