"""What a what-if changes: two assessments (the baseline and the what-if) side by side, with their differences.

The What-if page lays these out; it subtracts nothing itself. The baseline is the what-if's parameters with
every what-if control at its default (the model's assumptions — keep-alive, target utilisation, autoscaling
— are shared by both sides, so the difference is the what-if's alone). Options are matched across the two
by what they are (kind, pattern, service), not by label: a label carries figures ("autoscaled, 1.6 on
average") that the what-if itself moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from analysis.params import WHAT_IF_FIELDS, ModelParams
from analysis.types import EstateAssessment, OptionDetail, ResourceDetail, ResourceRow

# The instance type is an assumption of the model elsewhere; on the What-if page it is one of the levers.
WHAT_IF_CONTROLS = (*WHAT_IF_FIELDS, "instance_type")


def baseline_of(params: ModelParams) -> ModelParams:
    """``params`` with every what-if control at its default: the side the what-if is compared with."""
    defaults = {f.name: f.default for f in fields(ModelParams) if f.name in WHAT_IF_CONTROLS}
    return replace(params, **defaults)


@dataclass(frozen=True)
class Change:
    """One figure before and after (None: not known on that side)."""

    base: float | None
    what_if: float | None

    @property
    def delta(self) -> float | None:
        return None if self.base is None or self.what_if is None else self.what_if - self.base

    @property
    def share(self) -> float | None:
        """The difference as a share of the baseline (None when the baseline is zero or unknown)."""
        delta = self.delta
        return None if delta is None or not self.base else delta / self.base


@dataclass(frozen=True)
class PatternChange:
    """Today or one option of a resource, under the baseline and under the what-if."""

    label: str  # the what-if's label where it exists, else the baseline's
    base_label: str
    kind: str
    pattern: str
    service: str
    monthly_usd: Change
    cold_starts_per_month: Change
    latency_mean_ms: Change
    latency_p99_ms: Change
    feasible_base: bool
    feasible_what_if: bool
    reason: str = ""  # why it is infeasible on the what-if's side


@dataclass(frozen=True)
class ResourceComparison:
    resource_id: str
    name: str
    service: str
    requests_per_month: Change
    break_even_requests_per_month: Change
    cold_start_penalty_ms: Change  # today's mean latency added by cold starts (None: no cold starts here)
    patterns: tuple[PatternChange, ...]  # today first, then every option
    best_base: str | None
    best_what_if: str | None
    verdict_base: str
    verdict_what_if: str
    cheapest_fix_base: str | None
    cheapest_fix_what_if: str | None
    what_if: tuple[str, ...]  # the transforms in words


@dataclass(frozen=True)
class RowChange:
    resource_id: str
    name: str
    service: str
    pattern: str
    today_usd: Change
    best_usd: Change  # the recommended cost: the best option when it acts, else today
    cold_starts_per_month: Change
    action_base: str
    action_what_if: str
    best_base: str | None
    best_what_if: str | None


@dataclass(frozen=True)
class EstateComparison:
    today_usd: Change
    recommended_usd: Change
    saving_usd: Change
    to_review: Change
    requests_per_month: Change
    cold_starts_per_month: Change  # modelled, summed over the resources whose platform has cold starts
    by_pattern: tuple[tuple[str, Change], ...]  # today's cost by the pattern each resource is on today
    rows: tuple[RowChange, ...]
    what_if: tuple[str, ...]


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _recommended(row: ResourceRow) -> float | None:
    return row.best.monthly_usd if row.acts and row.best is not None else row.current.monthly_usd


def compare_estates(base: EstateAssessment, changed: EstateAssessment) -> EstateComparison:
    """The estate's totals, today's cost per pattern and every resource's row, before and after."""
    rows = []
    by_id = {r.resource_id: r for r in changed.rows}
    for old in base.rows:
        new = by_id.get(old.resource_id)
        if new is None:
            continue
        rows.append(
            RowChange(
                old.resource_id,
                old.name,
                old.service,
                old.pattern,
                Change(old.current.monthly_usd, new.current.monthly_usd),
                Change(_recommended(old), _recommended(new)),
                Change(old.current.cold_starts_per_month, new.current.cold_starts_per_month),
                old.verdict.action,
                new.verdict.action,
                old.best.label if old.best else None,
                new.best.label if new.best else None,
            )
        )
    patterns = sorted({r.pattern for r in rows})
    by_pattern = tuple(
        (
            pattern,
            Change(
                _sum(r.today_usd.base for r in rows if r.pattern == pattern),
                _sum(r.today_usd.what_if for r in rows if r.pattern == pattern),
            ),
        )
        for pattern in patterns
    )
    b, w = base.totals, changed.totals
    return EstateComparison(
        today_usd=Change(b.today_usd, w.today_usd),
        recommended_usd=Change(b.recommended_usd, w.recommended_usd),
        saving_usd=Change(b.saving_usd, w.saving_usd),
        to_review=Change(b.to_review, w.to_review),
        requests_per_month=Change(
            _sum(r.requests_per_month for r in base.rows), _sum(r.requests_per_month for r in changed.rows)
        ),
        cold_starts_per_month=Change(
            _sum(r.cold_starts_per_month.base for r in rows), _sum(r.cold_starts_per_month.what_if for r in rows)
        ),
        by_pattern=by_pattern,
        rows=tuple(rows),
        what_if=changed.what_if,
    )


def _keyed(options: Iterable[OptionDetail]) -> dict[tuple[str, str, str, int], OptionDetail]:
    """Options by (kind, pattern, service, n-th of that key): stable across a what-if, unlike labels."""
    out: dict[tuple[str, str, str, int], OptionDetail] = {}
    for option in options:
        o = option.row
        n = sum(1 for k in out if k[:3] == (o.kind, o.pattern, o.service))
        out[(o.kind, o.pattern, o.service, n)] = option
    return out


def compare_details(base: ResourceDetail, changed: ResourceDetail, params: ModelParams) -> ResourceComparison:
    """Today and every option of one resource — cost, cold starts, latency — before and after (``params``: the
    what-if's, for its transforms in words)."""
    old, new = base.row, changed.row
    penalty_old = base.cold_starts.added_latency_ms if base.cold_starts else None
    penalty_new = changed.cold_starts.added_latency_ms if changed.cold_starts else None
    patterns = [
        PatternChange(
            label="today",
            base_label="today",
            kind="today",
            pattern=old.pattern,
            service=old.service,
            monthly_usd=Change(old.current.monthly_usd, new.current.monthly_usd),
            cold_starts_per_month=Change(old.current.cold_starts_per_month, new.current.cold_starts_per_month),
            latency_mean_ms=Change(None, None),  # today's latency is measured, not modelled: see the penalty
            latency_p99_ms=Change(None, None),
            feasible_base=old.current.monthly_usd is not None,
            feasible_what_if=new.current.monthly_usd is not None,
            reason=new.current.error,
        )
    ]
    before, after = _keyed(base.options), _keyed(changed.options)
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key), after.get(key)
        one = b if b is not None else a
        if one is None:  # a key comes from one side or the other
            continue
        patterns.append(
            PatternChange(
                label=one.row.label,
                base_label=(a or one).row.label,
                kind=one.row.kind,
                pattern=one.row.pattern,
                service=one.row.service,
                monthly_usd=Change(a.row.monthly_usd if a else None, b.row.monthly_usd if b else None),
                cold_starts_per_month=Change(
                    a.row.cold_starts_per_month if a else None, b.row.cold_starts_per_month if b else None
                ),
                latency_mean_ms=Change(a.latency_mean_ms if a else None, b.latency_mean_ms if b else None),
                latency_p99_ms=Change(a.latency_p99_ms if a else None, b.latency_p99_ms if b else None),
                feasible_base=bool(a and a.row.feasible),
                feasible_what_if=bool(b and b.row.feasible),
                reason=b.row.reason if b and not b.row.feasible else ("" if b else "not an option under the what-if"),
            )
        )
    return ResourceComparison(
        resource_id=old.resource_id,
        name=old.name,
        service=old.service,
        requests_per_month=Change(old.requests_per_month, new.requests_per_month),
        break_even_requests_per_month=Change(old.break_even_requests_per_month, new.break_even_requests_per_month),
        cold_start_penalty_ms=Change(penalty_old, penalty_new),
        patterns=tuple(patterns),
        best_base=old.best.label if old.best else None,
        best_what_if=new.best.label if new.best else None,
        verdict_base=old.verdict.text,
        verdict_what_if=new.verdict.text,
        cheapest_fix_base=base.cold_starts.cheapest_fix if base.cold_starts else None,
        cheapest_fix_what_if=changed.cold_starts.cheapest_fix if changed.cold_starts else None,
        what_if=tuple(params.what_if_notes()),
    )
