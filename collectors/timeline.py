"""From snapshots taken at each run to per-period, time-weighted ``instances_avg`` / ``provisioned_concurrency``.

Providers do not keep the history of an endpoint's instance count, so each run records what it saw
(``store.snapshots``). Between two observations the value is a step function, built by these rules:

- Equal observations: the value held throughout (a change and a change back in between is invisible).
- Different observations: the change is placed at the later observation's ``last_modified_at`` when
  that lies between the two (SageMaker's LastModifiedTime of an update), otherwise at the later
  observation itself — so a deletion counts the endpoint as running until the run that found it gone,
  an upper bound that is at most one cron interval high.
- Before the first observation the value is known back to that observation's ``last_modified_at``
  (nothing changed since), never before; after the last observation it is unknown.

Only periods wholly inside the known span get a row: an unknown stretch is left out, not guessed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

from collectors.source import MetricRow, Window
from store.snapshots import ABSENT, EndpointSnapshot


def _value(snapshot: EndpointSnapshot) -> float:
    if snapshot.status == ABSENT:
        return 0.0
    return float(snapshot.instance_count or 0)


def steps(snapshots: Sequence[EndpointSnapshot]) -> tuple[list[tuple[datetime, float]], datetime | None]:
    """Change points [(from, value)] and the end of the known span, for one resource's snapshots."""
    ordered = sorted(snapshots, key=lambda s: s.observed_at)
    if not ordered:
        return [], None
    first = ordered[0]
    known_from = first.observed_at
    if first.last_modified_at is not None and first.last_modified_at <= first.observed_at:
        known_from = first.last_modified_at
    points = [(known_from, _value(first))]
    for previous, current in itertools.pairwise(ordered):
        value = _value(current)
        if value == points[-1][1]:
            continue
        change = current.observed_at
        modified = current.last_modified_at
        if current.status != ABSENT and modified is not None and previous.observed_at < modified <= current.observed_at:
            change = modified
        points.append((change, value))
    return points, ordered[-1].observed_at


def period_means(
    points: list[tuple[datetime, float]], known_until: datetime | None, window: Window
) -> list[tuple[datetime, float]]:
    """Time-weighted mean of the step function over each whole period of ``window`` that is known."""
    if not points or known_until is None:
        return []
    out = []
    step = timedelta(seconds=window.period_s)
    t = window.start
    while t < window.end:
        end = t + step
        if t >= points[0][0] and end <= known_until:
            total = 0.0
            for index, (start, value) in enumerate(points):
                stop = points[index + 1][0] if index + 1 < len(points) else end
                lo, hi = max(start, t), min(stop, end)
                if hi > lo:
                    total += value * (hi - lo).total_seconds()
            out.append((t, total / window.period_s))
        t = end
    return out


def timeline_rows(
    resource_id: str, snapshots: Sequence[EndpointSnapshot], windows: Sequence[Window], metric: str, origin: str
) -> list[MetricRow]:
    points, known_until = steps(snapshots)
    rows: list[MetricRow] = []
    for window in windows:
        for start, value in period_means(points, known_until, window):
            rows.append((resource_id, metric, start, window.period_s, round(value, 9), origin))
    return rows
