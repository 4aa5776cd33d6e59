"""The month every monthly figure is scaled to (DESIGN.md, "Cost conventions"): 730 hours."""

from __future__ import annotations

MONTH_HOURS = 730
MONTH_SECONDS = MONTH_HOURS * 3600
