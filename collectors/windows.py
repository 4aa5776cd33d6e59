"""Time windows of a run, per scope: watermark minus the lag window (or ``--since/--until``), cut by retention.

Providers keep fine-grained data only for a while (CloudWatch: 1-minute data 15 days, 5-minute 63 days,
1-hour 455 days) and reject or empty a query whose period is finer than what its start time allows. A
backfill is therefore split at the tier boundaries, each piece with the finest period its age allows
(never finer than the source's configured period). Boundaries keep a safety margin so a query sent a
few minutes after planning is still inside its tier. Every window holds whole periods only: the
current, unfinished period is left to the next run, which re-reads the lag window anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from collectors.source import RetentionTier, SourceSettings, Window
from common.timeutil import align_down

RETENTION_MARGIN = timedelta(hours=1)


def period_for(configured_s: int, tier: RetentionTier) -> int:
    """The configured period, coarsened to a multiple of what the tier keeps."""
    period = max(configured_s, tier.period_s)
    if period % tier.period_s:
        period = (period // tier.period_s + 1) * tier.period_s
    return period


def oldest_readable(now: datetime, retention: Sequence[RetentionTier]) -> datetime:
    return now - retention[-1].max_age + RETENTION_MARGIN


def scope_windows(
    settings: SourceSettings,
    retention: Sequence[RetentionTier],
    now: datetime,
    watermark: datetime | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Window], list[str]]:
    """Windows for one scope, oldest first, and notes on anything clamped. Naive UTC throughout.

    Without ``since`` the run starts at ``watermark - lag`` (or ``now - first_run`` for a new scope)
    and ends now; ``since/until`` replace both ends (a backfill), clamped to what retention still holds.
    """
    notes: list[str] = []
    end = min(until or now, now)
    if since is not None:
        start = since
    elif watermark is not None:
        start = watermark - settings.lag
    else:
        start = end - settings.first_run
    oldest = oldest_readable(now, retention)
    if start < oldest:
        if since is not None:
            notes.append(
                f"--since {since:%Y-%m-%d %H:%M} is beyond the provider's retention; "
                f"starting at {oldest:%Y-%m-%d %H:%M}"
            )
        start = oldest
    windows: list[Window] = []
    upper = end
    for index, tier in enumerate(retention):
        lower_bound = now - tier.max_age + RETENTION_MARGIN
        period = period_for(settings.period_s, tier)
        if start >= lower_bound:
            a_start = align_down(start, period)
        else:
            # Cut at the tier boundary: start on a boundary of the next (coarser) tier so the older piece
            # ends exactly where this one begins, with no gap between them.
            step = period_for(settings.period_s, retention[index + 1]) if index + 1 < len(retention) else period
            a_start = align_down(lower_bound, step)
            if a_start < lower_bound:
                a_start += timedelta(seconds=step)
        a_end = align_down(upper, period)
        if a_end > a_start:
            windows.append(Window(a_start, a_end, period))
            upper = a_start
        if start >= lower_bound:
            break
    windows.reverse()
    return windows, notes
