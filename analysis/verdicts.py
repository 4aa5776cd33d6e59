"""The verdict: one action a team can take, in words, and the best option only when it is cheaper than today.

An option counts as a recommendation when it saves at least ``SAVING_SHARE`` of today's cost and
``SAVING_USD`` a month; a cheaper option below that is named but the verdict is ``keep``; a dearer one is
never "best" and says by how much it is dearer. The action follows the option: another pattern is
``move``; today's pattern at another size, type or billing mode is ``resize``; an idle endpoint onto
Serverless Inference is ``serverless``, onto functions ``scale to zero``, and one without requests
``delete``; Lambda whose cold starts cost more than provisioned concurrency ``add provisioned concurrency``.
"""

from __future__ import annotations

from analysis.options import DELETE, KEEP, MOVE, PROVISIONED, RESIZE, SCALE_TO_ZERO, SERVERLESS, Option
from analysis.types import Best, OptionRow, Verdict

SAVING_SHARE = 0.10
SAVING_USD = 5.0
IDLE_BUSY_SHARE = 0.02  # an endpoint whose instances are busy less than this share of the time is idle


def option_row(option: Option, today_usd: float | None) -> OptionRow:
    usd = option.monthly_usd
    saving = None if usd is None or today_usd is None else round(today_usd - usd, 2)
    reason = option.reason
    if option.feasible and saving is not None and saving < 0:
        reason = f"costs ${-saving:,.2f}/month more than today"
    return OptionRow(
        label=option.label,
        service=option.service,
        pattern=option.pattern,
        monthly_usd=usd,
        feasible=option.feasible and usd is not None,
        reason=reason,
        cold_starts_per_month=option.cold_starts_per_month,
        always_on=option.always_on,
        kind=option.kind,
        unconfirmed=option.unconfirmed,
        saving_usd=saving,
    )


def action_of(option: Option, endpoint_idle: bool) -> str:
    if option.kind == MOVE and endpoint_idle:
        if option.pattern == "serverless-endpoint":
            return SERVERLESS
        if option.pattern == "faas":
            return SCALE_TO_ZERO
    return {MOVE: "move", RESIZE: RESIZE, DELETE: DELETE, PROVISIONED: PROVISIONED}.get(option.kind, option.kind)


def decide(
    today_usd: float | None,
    today_error: str,
    options: list[Option],
    rows: list[OptionRow],
    endpoint_idle: bool,
    no_requests: bool,
    span_note: str,
) -> tuple[Best | None, Verdict]:
    """The best option (cheaper than today, or None) and the verdict."""
    tail = f" ({span_note})" if span_note else ""
    if today_usd is None:
        return None, Verdict(KEEP, f"cannot price today's cost: {today_error}")
    feasible = [(o, r) for o, r in zip(options, rows, strict=True) if r.feasible and r.monthly_usd is not None]
    cheaper = sorted((pair for pair in feasible if pair[1].monthly_usd < today_usd), key=lambda p: p[1].monthly_usd)
    if no_requests:
        deleted = next((pair for pair in feasible if pair[0].kind == DELETE), None)
        if deleted is not None:
            others = [r.label for o, r in cheaper if o.kind != DELETE][:1]
            also = f"; for occasional use: {others[0]}" if others else ""
            best = Best(deleted[1].label, 0.0, round(today_usd, 2))
            return best, Verdict(
                DELETE, f"delete: no requests in the window, ${today_usd:,.2f}/month for nothing{also}{tail}"
            )
    if not cheaper:
        if not feasible:
            reasons = "; ".join(dict.fromkeys(r.reason for r in rows if r.reason)) or "no alternative modelled"
            return None, Verdict(KEEP, f"keep: no feasible alternative ({reasons}){tail}")
        nearest = min(feasible, key=lambda p: p[1].monthly_usd)[1]
        more = nearest.monthly_usd - today_usd
        return None, Verdict(
            KEEP,
            f"keep: today's pattern is the cheapest modelled (next: {nearest.label}, ${more:,.2f}/month more){tail}",
        )
    option, row = cheaper[0]
    saving = today_usd - row.monthly_usd
    best = Best(row.label, round(row.monthly_usd, 2), round(saving, 2))
    if saving >= SAVING_USD and saving >= SAVING_SHARE * today_usd:
        action = action_of(option, endpoint_idle)
        share = f" ({saving / today_usd:.0%})" if today_usd else ""
        cold = ""
        if option.cold_starts_per_month is not None and option.cold_starts_per_month < 0.5 and option.pattern != "faas":
            cold = ", no cold starts"
        idle = "; the endpoint is idle" if endpoint_idle and action in (SERVERLESS, SCALE_TO_ZERO) else ""
        return best, Verdict(action, f"{action}: {row.label} saves ${saving:,.2f}/month{share}{cold}{idle}{tail}")
    return best, Verdict(KEEP, f"keep: {row.label} would save only ${saving:,.2f}/month{tail}")
