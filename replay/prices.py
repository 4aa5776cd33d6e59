"""Prices as plain numbers, for the few places the engine must choose the cheapest option.

The engine computes quantities; where it must pick (a hybrid's k, a provisioned-concurrency level, a
right-sized instance type) it takes rates from the caller: plain numbers, or any callable with the
:data:`FaasPricer` shape (for instance one built from the price book, tiers included).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FaasPricer = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(requests per month, GB-seconds per month) -> USD per month, elementwise."""


@dataclass(frozen=True)
class TieredFaasPrices:
    """Per-request fee plus GB-second tiers ((start GB-s, USD per GB-s), ...), as Lambda publishes them."""

    request_usd: float
    gb_second_tiers: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        starts = [start for start, _ in self.gb_second_tiers]
        if not starts or starts[0] != 0 or any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError("gb_second_tiers must start at 0 and increase")

    def __call__(self, requests: np.ndarray, gb_seconds: np.ndarray) -> np.ndarray:
        gb_seconds = np.asarray(gb_seconds, dtype=float)
        usd = np.asarray(requests, dtype=float) * self.request_usd
        for index, (start, rate) in enumerate(self.gb_second_tiers):
            stop = self.gb_second_tiers[index + 1][0] if index + 1 < len(self.gb_second_tiers) else np.inf
            usd = usd + rate * np.clip(gb_seconds - start, 0.0, stop - start)
        return usd


def linear_faas_prices(request_usd: float, gb_second_usd: float) -> TieredFaasPrices:
    return TieredFaasPrices(request_usd, ((0.0, gb_second_usd),))
