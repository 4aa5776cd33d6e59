"""The bill beside a what-if's baseline (issue 13 on the What-if page): what was billed for the same window.

A bill records what happened; a what-if is a model of what would. So the page shows the bill beside the
*baseline* only, never beside the what-if, and says that the what-if side is modelled. The figures are the
``BilledView``'s (``analysis.billed``, the same ``report`` prints as ``billed``), totalled over the baseline's
resources the bill covers: the page adds nothing up itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analysis.billed import BilledView
from analysis.types import EstateAssessment


@dataclass(frozen=True)
class BilledBaseline:
    start: date  # the whole UTC days compared (the widest of the covered resources')
    end: date
    billed_usd: float  # effective (amortised) cost billed on those days
    monthly_usd: float  # each covered resource's bill as a 730-hour month, summed: beside the baseline's month
    modelled_usd: float  # the model's cost of the same days, at the prices in use
    covered: int  # resources of the baseline the bill covers
    resources: int  # resources of the baseline
    resource_monthly: dict[str, float]  # per covered resource, its bill as a 730-hour month

    @property
    def difference_pct(self) -> float | None:
        return (self.billed_usd / self.modelled_usd - 1) * 100 if self.modelled_usd else None


def billed_baseline(view: BilledView | None, baseline: EstateAssessment) -> BilledBaseline | None:
    """The bill for the baseline's resources over the same window; None when no bill covers any of them."""
    if view is None:
        return None
    rows = [r for r in (view.row(res.resource_id) for res in baseline.rows) if r is not None]
    if not rows:
        return None
    return BilledBaseline(
        start=min(r.start for r in rows),
        end=max(r.end for r in rows),
        billed_usd=sum(r.window_usd for r in rows),
        monthly_usd=sum(r.monthly_usd for r in rows),
        modelled_usd=sum(r.modelled_usd or 0.0 for r in rows),
        covered=len(rows),
        resources=len(baseline.rows),
        resource_monthly={r.resource_id: r.monthly_usd for r in rows},
    )
