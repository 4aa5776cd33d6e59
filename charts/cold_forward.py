"""How a resource's cold-start figure was reached (``analysis.cold_forward``), in words and as a small table:
what was measured, what the model counts, and how the two combine under a what-if. Formatting only: every
number is a field of ``analysis.types.ColdStarts``."""

from __future__ import annotations

import pandas as pd

from analysis.types import ColdStarts
from charts.format import MISSING, count


def _times(growth: float | None) -> str:
    return MISSING if growth is None else f"×{growth:,.2f}"


def basis(cold: ColdStarts) -> str:
    """One sentence: where the cold starts per month that cost and latency use come from."""
    if cold.rule == "modelled" or cold.measured_per_month is None:
        return (
            f"Modelled: {count(cold.estimate_per_month or cold.modelled_per_month)} a month by the warm-pool replay; "
            "the platform reports no cold starts here."
        )
    measured = f"Measured: {count(cold.measured_per_month)} a month"
    seen = (
        f"the warm-pool model accounts for {count(cold.seen_per_month)}, and {count(cold.unseen_per_month)} are "
        "causes it does not see (environment recycling, deployments)"
    )
    if cold.rule == "measured":
        return f"{measured}; {seen}."
    return (
        f"{measured} on the measured traffic; {seen}. Under the what-if the first part grows as the model's "
        f"cold starts do ({_times(cold.seen_growth)}) and the second as its warm instance-time "
        f"({_times(cold.unseen_growth)}): {count(cold.estimate_per_month)} a month, the figure cost and latency "
        f"use (the model alone: {count(cold.modelled_per_month)})."
    )


def basis_frame(cold: ColdStarts) -> pd.DataFrame:
    """The parts of the figure, one line each: measured, what the model sees, what it does not, the result."""
    carried = cold.rule == "carried"
    rows = [
        ("Measured (measured traffic)", count(cold.measured_per_month), "", ""),
        ("Modelled on the measured traffic", count(cold.modelled_base_per_month), "", ""),
        ("… of the measured, the model accounts for", count(cold.seen_per_month), _times(cold.seen_growth)
         if carried else "", "the model's cold starts, what-if ÷ baseline" if carried else ""),
        ("… causes the model does not see", count(cold.unseen_per_month), _times(cold.unseen_growth)
         if carried else "", "the model's warm instance-time, what-if ÷ baseline" if carried else ""),
        ("Modelled on the traffic in effect", count(cold.modelled_per_month), "", "the model alone"),
        ("Used for cost and latency", count(cold.estimate_per_month), "", cold.rule or MISSING),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["part", "per_month", "grows", "how"])
