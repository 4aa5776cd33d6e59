"""The model's assumptions and the what-if transforms, as one frozen value the pages, caches and URLs share.

:class:`ModelParams` is hashable (a cache key), validated on construction (a bad value is one line
naming the field and its range, and nothing is computed), and round-trips through URL query parameters
(``to_query`` / ``from_query``, every key prefixed ``m_``, only the values that differ from the
defaults), so a shared link reproduces the assumptions of the view.

Two kinds of fields. **Assumptions** of the replay models (keep-alive, init, target utilisation,
autoscaling, minimum instances, free tier, a fixed instance type). **What-if transforms**, applied to
the measured traffic and configuration before the engine runs (``analysis.inputs.apply_what_if``):
traffic scaled (×0.1-×100, and/or a monthly growth over some months), a cache that answers a share of
requests at its own price, a quantised or distilled model (latency and memory multipliers), a different
memory size, architecture or provisioned concurrency, and a discount on every price. With any transform
active, today's cost is the model of today's configuration on the changed traffic, not the measurement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from common.limits import ARCHITECTURES, LAMBDA_MEMORY_MB


class ParamsError(ValueError):
    """A model parameter out of range or unreadable; the message names it."""


# field -> (low, high) for numbers; checked in __post_init__ and when read from a URL
RANGES: dict[str, tuple[float, float]] = {
    "keep_alive_s": (0.0, 7200.0),
    "init_ms": (0.0, 600_000.0),
    "target_utilization": (0.05, 1.0),
    "min_instances": (0, 100),
    "max_instances": (1, 1000),
    "traffic_scale": (0.1, 100.0),
    "growth_per_month": (-0.9, 10.0),
    "growth_months": (0.0, 60.0),
    "memory_mb": (LAMBDA_MEMORY_MB[0], LAMBDA_MEMORY_MB[1]),
    "provisioned_concurrency": (0, 10_000),
    "discount_pct": (0.0, 90.0),
    "cache_hit_rate": (0.0, 0.99),
    "cache_usd_per_million": (0.0, 1000.0),
    "latency_multiplier": (0.05, 20.0),
    "memory_multiplier": (0.05, 4.0),
}
INTEGER_FIELDS = ("min_instances", "max_instances", "memory_mb", "provisioned_concurrency")
PREFIX = "m_"


@dataclass(frozen=True)
class ModelParams:
    """Assumptions (the first block) and what-if transforms (the second); defaults change nothing.

    ``init_ms`` None = the resource's measured init where it has one, else the engine's default;
    ``target_utilization`` None = the platform's default (SageMaker 0.7, Vertex 0.6 [verified]);
    ``memory_mb``/``provisioned_concurrency`` None = as configured; ``architecture`` "" = as configured.
    """

    keep_alive_s: float = 600.0
    init_ms: float | None = None
    target_utilization: float | None = None
    autoscaling: bool = True
    min_instances: int = 1
    max_instances: int = 100
    free_tier: bool = False
    instance_type: str = ""
    # what-if transforms
    traffic_scale: float = 1.0
    growth_per_month: float = 0.0
    growth_months: float = 0.0
    memory_mb: int | None = None
    architecture: str = ""
    provisioned_concurrency: int | None = None
    discount_pct: float = 0.0
    cache_hit_rate: float = 0.0
    cache_usd_per_million: float = 0.0
    latency_multiplier: float = 1.0
    memory_multiplier: float = 1.0

    def __post_init__(self) -> None:
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ParamsError(f"{name}: must be a number (got {value!r})")
            if name in INTEGER_FIELDS and value != int(value):
                raise ParamsError(f"{name}: must be a whole number (got {value!r})")
            if not low <= value <= high:
                raise ParamsError(f"{name}: must be between {low:g} and {high:g} (got {value:g})")
        if self.min_instances > self.max_instances:
            raise ParamsError("min_instances: must not exceed max_instances")
        if self.architecture not in ("", *ARCHITECTURES):
            raise ParamsError(f"architecture: must be one of {', '.join(ARCHITECTURES)} (got {self.architecture!r})")
        if not isinstance(self.instance_type, str) or len(self.instance_type) > 64:
            raise ParamsError("instance_type: must be a type name of at most 64 characters")

    @property
    def traffic_factor(self) -> float:
        """Requests reaching the model per measured request: the scale, the growth, less the cache's hits."""
        growth = (1.0 + self.growth_per_month) ** self.growth_months
        return self.traffic_scale * growth * (1.0 - self.cache_hit_rate)

    @property
    def what_if(self) -> bool:
        """True when a transform changes the traffic, the configuration or the prices."""
        return any(getattr(self, f.name) != f.default for f in fields(self) if f.name in WHAT_IF_FIELDS)

    def what_if_notes(self) -> list[str]:
        """The active transforms in words (shown beside every figure they change)."""
        notes = []
        if self.traffic_scale != 1.0:
            notes.append(f"traffic ×{self.traffic_scale:g}")
        if self.growth_per_month and self.growth_months:
            notes.append(f"growth {self.growth_per_month:+.0%}/month over {self.growth_months:g} months")
        if self.cache_hit_rate:
            notes.append(
                f"a cache answers {self.cache_hit_rate:.0%} of requests (${self.cache_usd_per_million:g} per million)"
            )
        if self.latency_multiplier != 1.0:
            notes.append(f"model latency ×{self.latency_multiplier:g}")
        if self.memory_multiplier != 1.0:
            notes.append(f"model memory ×{self.memory_multiplier:g}")
        if self.memory_mb is not None:
            notes.append(f"FaaS memory {self.memory_mb:,} MB")
        if self.architecture:
            notes.append(f"architecture {self.architecture}")
        if self.provisioned_concurrency is not None:
            notes.append(f"provisioned concurrency {self.provisioned_concurrency}")
        if self.discount_pct:
            notes.append(f"{self.discount_pct:g} % off every price")
        return notes

    def to_query(self) -> dict[str, str]:
        """URL query parameters for the values that differ from the defaults."""
        out: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value == item.default:
                continue
            out[PREFIX + item.name] = "1" if value is True else "0" if value is False else f"{value}"
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> ModelParams:
        """Parameters from URL query values (strings); unknown ``m_`` keys and bad values are errors."""
        known = {item.name: item for item in fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in query.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX) :]
            if name not in known:
                raise ParamsError(f"{key}: not a model parameter")
            text = raw[-1] if isinstance(raw, list | tuple) else raw
            values[name] = _parse(name, known[name].default, str(text))
        return cls(**values)


WHAT_IF_FIELDS = (
    "traffic_scale",
    "growth_per_month",
    "growth_months",
    "memory_mb",
    "architecture",
    "provisioned_concurrency",
    "discount_pct",
    "cache_hit_rate",
    "cache_usd_per_million",
    "latency_multiplier",
    "memory_multiplier",
)


def _parse(name: str, default: Any, text: str) -> Any:
    if isinstance(default, bool):
        if text not in ("0", "1", "true", "false"):
            raise ParamsError(f"{PREFIX}{name}: must be 0 or 1 (got {text[:20]!r})")
        return text in ("1", "true")
    if isinstance(default, str):
        return text
    try:
        number = float(text)
    except ValueError:
        raise ParamsError(f"{PREFIX}{name}: must be a number (got {text[:20]!r})") from None
    if name in INTEGER_FIELDS and number == int(number):
        return int(number)
    return number
