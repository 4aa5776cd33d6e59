"""Every modelling choice a result rests on, as data the caller can show and change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONFIDENCE = ("verified", "third-party", "unconfirmed", "model")


@dataclass(frozen=True)
class Assumption:
    """``confidence`` is the reference files' verified / third-party / unconfirmed, or 'model' for a choice
    of this engine (a modelling approximation whose accuracy docs/replay.md measures)."""

    name: str
    value: Any
    unit: str
    why: str
    confidence: str = "model"

    def __post_init__(self) -> None:
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"confidence must be one of {', '.join(CONFIDENCE)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "why": self.why,
            "confidence": self.confidence,
        }
