"""Everything one assessment run shares: the rows (each resource's current configuration segment), their
traffic as measured and as the what-if describes it, the configuration, the price book, free tiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.cold_forward import ColdForward
from analysis.inputs import Rows
from analysis.params import ModelParams
from analysis.prices import with_free_share
from analysis.runs import FaasRows
from pricing import PriceBook
from replay import Prepared, Traffic


@dataclass
class FreeTiers:
    """Free allowances once per account (or project) and service, shared by its resources by requests.

    Today, a resource gets its share of the requests its account sends to its service. An alternative on
    another service gets the whole allowance when nothing in the account uses that service today, else
    none (the others already use it): the totals never credit an allowance twice for today, and the
    note says an estate-wide move into an unused service could.
    """

    enabled: bool
    services: list[str]
    accounts: list[str]
    requests: np.ndarray

    def __post_init__(self) -> None:
        self._totals: dict[tuple[str, str], float] = {}
        self._counts: dict[tuple[str, str], int] = {}
        for account, service, requests in zip(self.accounts, self.services, self.requests, strict=True):
            key = (account, service)
            self._totals[key] = self._totals.get(key, 0.0) + float(requests)
            self._counts[key] = self._counts.get(key, 0) + 1

    def share(self, row: int, service: str) -> float:
        if not self.enabled:
            return 0.0
        key = (self.accounts[row], service)
        if self.services[row] == service:
            total = self._totals[key]
            return float(self.requests[row]) / total if total > 0 else 1.0 / self._counts[key]
        return 0.0 if key in self._counts else 1.0


@dataclass
class Context:
    rows: Rows
    traffic: Traffic  # what-if applied
    measured: Prepared  # as measured: capacity and measured cold starts come from it
    prepared: Prepared  # what-if applied
    info: list[dict[str, Any]]
    configs: list[dict[str, Any]]  # what-if applied (memory, architecture)
    book: PriceBook
    params: ModelParams
    platform: FaasRows  # today's platform on the (what-if) traffic
    free: FreeTiers
    cache: dict = field(default_factory=dict)
    cold: ColdForward | None = None  # measured cold starts carried forward (analysis.cold_forward)

    @property
    def size(self) -> int:
        return self.rows.size

    def book_for(self, row: int, service: str) -> PriceBook:
        return with_free_share(self.book, service, self.free.share(row, service)) if self.free.enabled else self.book

    def free_tier(self) -> bool:
        return self.free.enabled

    def month(self, row: int) -> float:
        factor = self.prepared.month_factor[row]
        return float(factor) if np.isfinite(factor) else 0.0

    def latency(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean ms, p99 ms) per row, request-weighted over the counted cells (p99 NaN where unmeasured)."""
        key = ("latency",)
        if key not in self.cache:
            n = self.size
            work, weight, p99, p99_weight = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
            for block in self.prepared.blocks:
                panel = block.panel
                requests = np.where(block.counted, block.requests, 0.0)
                np.add.at(work, block.rows, (requests * np.nan_to_num(panel.duration_ms_avg)).sum(axis=1))
                np.add.at(weight, block.rows, requests.sum(axis=1))
                if panel.duration_ms_p99 is not None:
                    known = requests * ~np.isnan(panel.duration_ms_p99)
                    np.add.at(p99, block.rows, (known * np.nan_to_num(panel.duration_ms_p99)).sum(axis=1))
                    np.add.at(p99_weight, block.rows, known.sum(axis=1))
            with np.errstate(invalid="ignore", divide="ignore"):
                self.cache[key] = (
                    np.where(weight > 0, work / np.maximum(weight, 1e-12), 0.0),
                    np.where(p99_weight > 0, p99 / np.maximum(p99_weight, 1e-12), np.nan),
                )
        return self.cache[key]

    def gauge_mean(self, name: str) -> np.ndarray:
        """Time-weighted mean of a measured gauge per row (NaN where never measured), from the measured traffic."""
        key = ("gauge", name)
        if key not in self.cache:
            integral, seconds = np.zeros(self.size), np.zeros(self.size)
            for block in self.measured.blocks:
                values = block.panel.metric(name)
                if values is None:
                    continue
                known = block.counted & ~np.isnan(values)
                np.add.at(integral, block.rows, np.where(known, values * block.seconds, 0.0).sum(axis=1))
                np.add.at(seconds, block.rows, np.where(known, block.seconds, 0.0).sum(axis=1))
            with np.errstate(invalid="ignore", divide="ignore"):
                self.cache[key] = np.where(seconds > 0, integral / np.maximum(seconds, 1e-12), np.nan)
        return self.cache[key]

    def max_duration_ms(self) -> np.ndarray:
        """Longest per-period mean (or p99 where measured) duration per row: what a timeout must allow.

        Computed once per run (every row's FaaS target asks for it: per call it was a pass over the whole
        estate, quadratic in resources)."""
        key = ("max_duration",)
        if key not in self.cache:
            out = np.zeros(self.size)
            for block in self.prepared.blocks:
                panel = block.panel
                values = panel.duration_ms_p99 if panel.duration_ms_p99 is not None else panel.duration_ms_avg
                active = block.counted & (panel.requests > 0)
                top = np.where(active, np.nan_to_num(values), 0.0).max(axis=1, initial=0.0)
                np.maximum.at(out, block.rows, top)
            self.cache[key] = out
        return self.cache[key]
