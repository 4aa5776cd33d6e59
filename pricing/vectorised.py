"""Rates as plain numbers and tier arithmetic over arrays, for models that price many quantities at once
(the replay engine's hybrid curves, provisioned-concurrency levels and break-even grids).

The scalar estimators (pricing.aws, pricing.gcp) stay the source of every cost line shown to people; these
helpers read the same price book, so a vectorised figure and its line agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.book import PriceBook, Tiers
from pricing.gcp import gcf_ghz


def tiered_usd(tiers: Tiers, quantities: np.ndarray) -> np.ndarray:
    """Cost of each quantity under continuous volume tiers [(start, usd per unit), ...], elementwise."""
    quantities = np.asarray(quantities, dtype=float)
    usd = np.zeros_like(quantities)
    for index, (start, rate) in enumerate(tiers):
        stop = tiers[index + 1][0] if index + 1 < len(tiers) else np.inf
        usd = usd + rate * np.clip(quantities - start, 0.0, stop - start)
    return usd


@dataclass(frozen=True)
class FaasRates:
    """A per-request fee and the GB-second tiers of one FaaS configuration, with the price keys used."""

    request_usd: float
    gb_second_tiers: Tiers
    price_keys: tuple[str, ...]

    def monthly_usd(self, requests: np.ndarray, gb_seconds: np.ndarray) -> np.ndarray:
        return np.asarray(requests, dtype=float) * self.request_usd + tiered_usd(self.gb_second_tiers, gb_seconds)


def lambda_rates(book: PriceBook, region: str, architecture: str = "x86_64") -> FaasRates:
    """Lambda's effective request price and duration tiers (free tier not applied)."""
    requests = book.price("lambda", f"requests-{architecture}", region)
    duration = book.price("lambda", f"duration-{architecture}", region)
    return FaasRates(requests.usd, duration.tiers, (requests.key, duration.key))


def lambda_provisioned_rates(book: PriceBook, region: str, architecture: str = "x86_64") -> tuple[float, float]:
    """(USD per GB-second of provisioned concurrency enabled, USD per GB-second run on it)."""
    enabled = book.price("lambda", f"provisioned-concurrency-{architecture}", region)
    run = book.price("lambda", f"provisioned-duration-{architecture}", region)
    return enabled.usd, run.usd


def cloud_functions_rates(book: PriceBook, region: str, memory_mb: float) -> FaasRates:
    """Cloud Functions (1st gen) as one GB-second rate: memory plus the CPU its memory size allocates."""
    invocations = book.price("cloud-functions", "invocations", region)
    memory = book.price("cloud-functions", "memory", region)
    cpu = book.price("cloud-functions", "cpu", region)
    ghz_per_gb = gcf_ghz(book, memory_mb) / (memory_mb / 1024)
    return FaasRates(
        invocations.usd, ((0.0, memory.usd + ghz_per_gb * cpu.usd),), (invocations.key, memory.key, cpu.key)
    )


def machine_hour_usd(book: PriceBook, service: str, machine: str, region: str) -> float:
    """Price of one instance-hour (SageMaker instance type or Vertex machine type)."""
    prefix = "instance/" if service == "sagemaker-endpoint" else "machine/"
    return book.price(service, f"{prefix}{machine}", region).usd
