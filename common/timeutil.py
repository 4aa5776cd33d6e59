"""Time as the store keeps it: naive UTC, periods aligned to their length since the Unix epoch.

Clients differ on the way in (boto3 and protobuf want aware datetimes, DuckDB and the store naive UTC); these
are the only conversions, so a naive value always means UTC whatever the host's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1)


def naive_utc(ts: datetime) -> datetime:
    """Naive UTC: aware values are converted, naive ones are taken as UTC already."""
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts


def aware_utc(ts: datetime) -> datetime:
    """Aware UTC, for clients that would read a naive value as local time."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def utc_now() -> datetime:
    """Now, naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def align_down(ts: datetime, period_s: int) -> datetime:
    """The start of the ``period_s`` period holding ``ts`` (naive UTC; days start at midnight UTC)."""
    seconds = int((naive_utc(ts) - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % period_s)


# The span of time a stored row may fall in (issue 10: a row dated 9999 or 0000 broke every page): nothing
# Breakeven reads existed before 2006 (AWS's first services), and nothing is measured more than a day ahead of
# now (a day absorbs clock skew and time zones). UTC offsets in use today lie within ±14:00 (Kiribati, +14:00).
EARLIEST_TIME = datetime(2006, 1, 1)
FUTURE_SLACK = timedelta(days=1)
MAX_UTC_OFFSET = timedelta(hours=14)


def latest_time(now: datetime | None = None) -> datetime:
    """The latest instant (naive UTC) a stored row may start at: a day after ``now``."""
    return (naive_utc(now) if now is not None else utc_now()) + FUTURE_SLACK


def time_problem(ts: datetime, now: datetime | None = None) -> str | None:
    """Why ``ts`` cannot be stored (outside 2006 .. now + 1 day), or None."""
    at = naive_utc(ts)
    if at < EARLIEST_TIME:
        return f"{at:%Y-%m-%d %H:%M:%S} is before {EARLIEST_TIME:%Y}; no cloud metric is that old"
    if at > latest_time(now):
        return f"{at:%Y-%m-%d %H:%M:%S} is more than a day in the future"
    return None


def offset_problem(ts: datetime) -> str | None:
    """Why the UTC offset of an aware ``ts`` is impossible (beyond ±14:00), or None."""
    offset = ts.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
        sign = "-" if offset.total_seconds() < 0 else "+"
        return f"the offset {sign}{hours:02d}:{rest // 60:02d} is beyond ±14:00, the widest in use"
    return None


# The dashboard's first window (the sidebar's default, and the view whose summary the write commands store:
# ``analysis.stored_summary.default_filters``): the last 30 days of data.
DEFAULT_WINDOW_DAYS = 30
