"""What every alternative model returns: its assumptions as data, feasibility and the modelled cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pricing.lines import Estimate, round_cents


@dataclass(frozen=True)
class Assumption:
    """One model input the UI shows and lets the user change."""

    name: str
    value: Any
    unit: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "explanation": self.explanation}


def find_assumption(assumptions: tuple[Assumption, ...], name: str) -> Any:
    """The value of the assumption called ``name`` (KeyError when the model states no such assumption)."""
    for item in assumptions:
        if item.name == name:
            return item.value
    raise KeyError(name)


@dataclass(frozen=True)
class AlternativeResult:
    """A modelled alternative: monthly cost (730 h) when feasible, else the reason it is not."""

    service: str
    pattern: str
    feasible: bool
    reason: str
    assumptions: tuple[Assumption, ...]
    estimate: Estimate | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def monthly_usd(self) -> float | None:
        return None if self.estimate is None else self.estimate.total_usd

    @property
    def list_monthly_usd(self) -> float | None:
        return None if self.estimate is None else self.estimate.list_total_usd

    def assumption(self, name: str) -> Any:
        return find_assumption(self.assumptions, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "pattern": self.pattern,
            "monthly_usd": self.monthly_usd,
            "list_monthly_usd": self.list_monthly_usd,
            "feasible": self.feasible,
            "reason": self.reason,
            "assumptions": [a.to_dict() for a in self.assumptions],
            "lines": [] if self.estimate is None else [line.to_dict() for line in self.estimate.lines],
            "notes": [] if self.estimate is None else list(self.estimate.notes),
            "details": {
                k: round_cents(v) if isinstance(v, float) and k.endswith("_usd") else v for k, v in self.details.items()
            },
        }
