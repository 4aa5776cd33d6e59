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
