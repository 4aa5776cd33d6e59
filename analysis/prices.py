"""The price book as the analysis uses it: what-if discounts, free tiers shared per account, engine pricers,
and cost lines as plain records with their provenance.

The engine chooses (a hybrid's k, a provisioned level, an instance type) with rates read from the same
book (``pricing.vectorised``), and every figure shown is then priced line by line by the service
estimators (``pricing.estimate``), so a chosen option and its lines agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from common.limits import LAMBDA_MB_PER_VCPU
from pricing import CostLine, Estimate, PriceBook
from pricing.book import Price, Source
from pricing.gcp import gcf_ghz
from pricing.lines import flat_line
from pricing.vectorised import FaasRates, cloud_functions_rates, lambda_rates

USER_INPUT = "user input"


@dataclass(frozen=True)
class Line:
    """One cost line as pages and reports show it: quantity × unit price, and where the price comes from."""

    item: str
    quantity: float
    unit: str
    unit_price_usd: float
    usd: float
    list_usd: float
    confidence: str
    retrieved: str
    source_url: str
    price_key: str
    adjustment: str = ""
    note: str = ""

    @property
    def unconfirmed(self) -> bool:
        return self.confidence == "unconfirmed" and self.usd != 0


def plain_lines(estimate: Estimate | None) -> tuple[Line, ...]:
    if estimate is None:
        return ()
    return tuple(
        Line(
            line.item,
            float(line.quantity),
            line.unit,
            line.unit_price_usd,
            line.usd,
            line.list_usd,
            line.source.confidence,
            line.source.retrieved,
            line.source.url,
            line.price_key,
            line.source.adjustment,
            line.note,
        )
        for line in estimate.lines
    )


def rests_on_unconfirmed(estimate: Estimate | None) -> bool:
    """True when a non-zero line's price is marked unconfirmed (a region reusing another's figure, a guess)."""
    return estimate is not None and any(
        line.source.confidence == "unconfirmed" and line.usd_exact != 0 for line in estimate.lines
    )


def discounted(book: PriceBook, discount_pct: float) -> PriceBook:
    """Every effective price × (1 − discount): the what-if of a negotiated discount (list prices kept)."""
    if not discount_pct:
        return book
    keep = 1.0 - discount_pct / 100.0
    note = f"what-if: {discount_pct:g} % off"

    def cut(price: Price) -> Price:
        tiers = tuple((start, usd * keep) for start, usd in price.tiers)
        adjustment = "; ".join(part for part in (price.source.adjustment, note) if part)
        return replace(price, tiers=tiers, source=replace(price.source, adjustment=adjustment))

    return replace(book, prices={key: cut(price) for key, price in book.prices.items()})


def with_free_share(book: PriceBook, service: str, share: float) -> PriceBook:
    """The book with ``service``'s free allowances scaled to ``share`` of the account's (shared fairly)."""
    if share >= 1.0:
        return book
    tiers = {
        key: replace(tier, quantity=tier.quantity * max(share, 0.0)) if tier.service == service else tier
        for key, tier in book.free_tiers.items()
    }
    return replace(book, free_tiers=tiers)


def cache_line(requests_per_month: float, usd_per_million: float) -> CostLine:
    """The what-if cache's own cost: every request reaches the cache, at the price the user gave."""
    source = Source(url="", retrieved="", confidence=USER_INPUT, note="your cache price (what-if)")
    price = Price("", "cache", "requests", "", "million requests", ((0.0, usd_per_million),), source)
    return flat_line("Cache (what-if)", requests_per_month / 1e6, price)


def faas_rates(book: PriceBook, service: str, region: str, architecture: str, memory_mb: float) -> FaasRates:
    """The per-request fee and GB-second tiers of one FaaS configuration (free tier not applied)."""
    if service == "cloud-functions":
        return cloud_functions_rates(book, region, gcf_memory(memory_mb))
    return lambda_rates(book, region, architecture)


@dataclass(frozen=True)
class Pricer:
    """A FaaS pricer for the engine (``replay.FaasPricer``): USD per month from requests and GB-seconds."""

    rates: FaasRates

    def __call__(self, requests: np.ndarray, gb_seconds: np.ndarray) -> np.ndarray:
        return self.rates.monthly_usd(requests, gb_seconds)


GCF_SIZES = (128, 256, 512, 1024, 2048, 4096, 8192)


def gcf_memory(memory_mb: float) -> int:
    """The smallest Cloud Functions (1st gen) memory size holding ``memory_mb`` (the largest if none does)."""
    return next((size for size in GCF_SIZES if size >= memory_mb), GCF_SIZES[-1])


def faas_vcpu_share(book: PriceBook, service: str, memory_mb: float) -> float:
    """vCPUs one request gets on a FaaS platform (Lambda: memory / 1,769 MB; Cloud Functions: by its GHz)."""
    if service == "cloud-functions":
        memory = gcf_memory(memory_mb)
        return gcf_ghz(book, memory) / book.fact("cloud-functions", "ghz_per_vcpu")
    return memory_mb / LAMBDA_MB_PER_VCPU
