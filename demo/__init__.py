"""The built-in demo estate: a writer like any other, which builds a batch and hands it to ``store.write_batch``.

The constants are here and the functions load ``demo.estate`` (and numpy) on first use, so a command line
that only names the seed in its help does not pay for the simulation.
"""

from __future__ import annotations

import importlib
from typing import Any

DEMO_SOURCE = "demo"
DEMO_SEED = 20261129
HISTORY_DAYS = 90
MINUTE_DAYS = 7

_LAZY = ("build_demo", "demo_end", "remove_demo", "write_demo")
__all__ = ["DEMO_SEED", "DEMO_SOURCE", "HISTORY_DAYS", "MINUTE_DAYS", *_LAZY]


def __getattr__(name: str) -> Any:
    """``build_demo`` and friends, imported from ``demo.estate`` when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module("demo.estate"), name)
    raise AttributeError(f"module 'demo' has no attribute {name!r}")
