"""What the analysis returns: plain, frozen records the pages lay out and ``report`` prints.

Rows are small (strings and numbers, no arrays, no estimator objects) so thousands of them cache cheaply
(issue 11); the heavy detail of one resource is :class:`ResourceDetail`, computed only for the resource
in view. Money is USD per 730-hour month unless a name says otherwise; ``None`` means "not known" and
is shown as "—", never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from analysis.prices import Line


@dataclass(frozen=True)
class CurrentRow:
    monthly_usd: float | None
    cold_starts_per_month: float | None
    incomplete: bool
    unconfirmed: bool
    error: str = ""


@dataclass(frozen=True)
class OptionRow:
    label: str
    service: str
    pattern: str
    monthly_usd: float | None
    feasible: bool
    reason: str
    cold_starts_per_month: float | None
    always_on: float | None
    kind: str = "move"
    unconfirmed: bool = False
    saving_usd: float | None = None  # today − this option (negative: dearer than today)


@dataclass(frozen=True)
class Best:
    label: str
    monthly_usd: float
    saving_usd: float


@dataclass(frozen=True)
class Verdict:
    action: str  # move | resize | scale to zero | serverless | delete | add provisioned concurrency | keep
    text: str


@dataclass(frozen=True)
class ResourceRow:
    """One resource: today, every option, the best one when it is cheaper than today, and the verdict."""

    resource_id: str
    name: str
    service: str
    pattern: str
    provider: str
    region: str
    account: str
    requests_per_month: float | None
    current: CurrentRow
    options: tuple[OptionRow, ...]
    best: Best | None
    break_even_requests_per_month: float | None
    verdict: Verdict
    skipped_reason: str = ""
    measured_hours: float = 0.0
    extrapolated: bool = False  # the monthly figures rest on less than a day
    requests_in_window: float = 0.0
    errors_in_window: float = 0.0
    cold_starts_in_window: float | None = None  # measured
    idle_hours: float = 0.0  # measured hours without a request
    notes: tuple[str, ...] = ()

    @property
    def acts(self) -> bool:
        return self.verdict.action != "keep" and self.best is not None

    def to_dict(self) -> dict[str, Any]:
        """Issue 14's ``report`` JSON for one resource (issue 13 adds ``billed`` here)."""
        return {
            "resource_id": self.resource_id,
            "name": self.name,
            "service": self.service,
            "region": self.region,
            "account": self.account,
            "requests_per_month": _num(self.requests_per_month, 0),
            "current": {
                "monthly_usd": _num(self.current.monthly_usd, 2),
                "cold_starts_per_month": _num(self.current.cold_starts_per_month, 0),
                "incomplete": self.current.incomplete,
                "unconfirmed": self.current.unconfirmed,
            },
            "options": [
                {
                    "label": o.label,
                    "service": o.service,
                    "pattern": o.pattern,
                    "monthly_usd": _num(o.monthly_usd, 2),
                    "feasible": o.feasible,
                    "reason": o.reason,
                    "cold_starts_per_month": _num(o.cold_starts_per_month, 0),
                    "always_on": _num(o.always_on, 2),
                }
                for o in self.options
            ],
            "best": None
            if self.best is None
            else {
                "label": self.best.label,
                "monthly_usd": _num(self.best.monthly_usd, 2),
                "saving_usd": _num(self.best.saving_usd, 2),
            },
            "break_even_requests_per_month": _significant(self.break_even_requests_per_month, 4),
            "verdict": {"action": self.verdict.action, "text": self.verdict.text},
            "skipped_reason": self.skipped_reason or None,
        }


def _num(value: float | None, digits: int) -> float | int | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return round(value) if digits == 0 else round(float(value), digits)


def _significant(value: float | None, digits: int) -> int | None:
    """A modelled crossing to ``digits`` significant figures: its last digits are bisection and summation noise."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    if value == 0:
        return 0
    return int(float(f"{value:.{digits}g}"))


@dataclass(frozen=True)
class Totals:
    """The estate's sums, computed here so no page adds numbers up itself."""

    resources: int
    priced: int
    skipped: int
    to_review: int
    today_usd: float
    recommended_usd: float  # with every recommendation applied
    saving_usd: float
    saving_share: float | None
    unconfirmed_usd: float  # today's cost of the rows that rest on an unconfirmed price
    unconfirmed_share: float | None
    incomplete: int  # rows missing a priced part (a GPU without a price)
    requests: float
    errors: float
    error_rate: float | None
    cold_starts: float | None
    cold_start_rate: float | None  # over the resources whose platform reports cold starts
    free_tier: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": self.resources,
            "skipped": self.skipped,
            "to_review": self.to_review,
            "today_usd": round(self.today_usd, 2),
            "recommended_usd": round(self.recommended_usd, 2),
            "saving_usd": round(self.saving_usd, 2),
            "unconfirmed_usd": round(self.unconfirmed_usd, 2),
            "unconfirmed_share": _num(self.unconfirmed_share, 4),
            "incomplete": self.incomplete,
        }


R = TypeVar("R")


class RowsById(Generic[R]):
    """A result's ``rows`` (each with a ``resource_id``) found by id through one dict built on first use: a
    page or report that looks up every resource of an estate of thousands stays linear (a scan per lookup
    made it quadratic). The first row of an id wins, as a scan would find it."""

    rows: tuple[R, ...]

    @cached_property
    def _by_id(self) -> dict[str, R]:
        index: dict[str, R] = {}
        for r in self.rows:
            index.setdefault(r.resource_id, r)  # type: ignore[attr-defined]
        return index

    def row(self, resource_id: str) -> R | None:
        return self._by_id.get(resource_id)


@dataclass(frozen=True)
class EstateAssessment(RowsById["ResourceRow"]):
    window_start: str  # ISO 8601 UTC
    window_end: str
    rows: tuple[ResourceRow, ...]
    totals: Totals
    what_if: tuple[str, ...] = ()  # the active what-if transforms, in words

    def to_dict(self) -> dict[str, Any]:
        """Issue 14's ``report`` JSON (issue 13 adds ``unmatched_usd`` at this level)."""
        return {
            "window": {"start": self.window_start, "end": self.window_end},
            "resources": [row.to_dict() for row in self.rows],
            "totals": self.totals.to_dict(),
        }


@dataclass(frozen=True)
class AssumptionRow:
    name: str
    value: Any
    unit: str
    why: str
    confidence: str


@dataclass(frozen=True)
class OptionDetail:
    row: OptionRow
    lines: tuple[Line, ...]
    assumptions: tuple[AssumptionRow, ...]
    notes: tuple[str, ...]
    latency_mean_ms: float | None
    latency_p99_ms: float | None


@dataclass(frozen=True)
class Curve:
    """x against one or more y series (e.g. the hybrid over k, break-even over monthly requests)."""

    x: tuple[float, ...]
    series: dict[str, tuple[float, ...]]
    optimum_x: float | None = None
    operating_x: float | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColdStarts:
    measured_per_month: float | None
    modelled_per_month: float | None
    init_ms: float | None
    init_measured: bool
    share_of_requests: float | None
    added_latency_ms: float | None
    fixes: tuple[tuple[str, float | None, float | None], ...]  # (fix, extra USD/month, cold starts left/month)
    cheapest_fix: str | None
    # how the measured count is carried to the traffic in effect (analysis.cold_forward): the figure cost and
    # latency use; the model on the measured traffic; the parts it sees and does not see and how each grew
    estimate_per_month: float | None = None
    modelled_base_per_month: float | None = None
    seen_per_month: float | None = None
    unseen_per_month: float | None = None
    seen_growth: float | None = None
    unseen_growth: float | None = None
    rule: str = ""  # measured | carried | modelled


@dataclass(frozen=True)
class Period:
    """A configuration period of the window: its span, its configuration, its cost as a month."""

    start: str
    end: str
    config: str
    monthly_usd: float | None
    current: bool


@dataclass(frozen=True)
class ResourceDetail:
    row: ResourceRow
    today_lines: tuple[Line, ...]
    today_notes: tuple[str, ...]
    options: tuple[OptionDetail, ...]
    hybrid: Curve | None
    break_even: Curve | None
    cold_starts: ColdStarts | None
    daily: Curve | None  # x: day starts (epoch s); series: today and each option, USD per day
    periods: tuple[Period, ...]
    config_history: tuple[tuple[str, dict[str, Any]], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
