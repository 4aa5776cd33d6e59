"""Timestamps as exports write them: ISO 8601 / RFC 3339 first, then the looser forms consoles use.

Console chart downloads are not documented (see the AWS and GCP reference notes, section 7), so the
wide-CSV reader accepts ISO forms with or without a zone, ``YYYY/MM/DD``, ``MM/DD/YYYY`` or
``DD/MM/YYYY`` (told apart by a day above 12 somewhere in the column), month names, a trailing
``UTC``/``GMT``/``GMT+hh:mm``, and epoch seconds or milliseconds. Naive times are UTC unless the
caller gives a zone. A UTC offset beyond ±14:00 (the widest in use) is not a timestamp: ``not_a_timestamp``
says so in the message.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from common.timeutil import MAX_UTC_OFFSET, offset_problem
from importers.problems import quoted

_FRACTION = re.compile(r"(\.\d{6})\d+")
_ZONE_WORD = re.compile(r"\s*(?:\((?:Coordinated Universal Time|UTC)\)|UTC|GMT|Z)\s*$", re.IGNORECASE)
_GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)\s*([+-])(\d{1,2}):?(\d{2})?\s*(?:\([^)]*\))?\s*$", re.IGNORECASE)
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(.*)$")
_TRAILING_OFFSET = re.compile(r"(?:GMT|UTC)?\s*([+-])(\d{1,2}):?(\d{2})?\s*(?:\([^)]*\))?\s*$", re.IGNORECASE)
_LOOSE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y %H:%M",
    "%b %d, %Y, %H:%M:%S",
    "%b %d, %Y, %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%a %b %d %Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
)


def parse_iso(text: str) -> datetime | None:
    """RFC 3339 / ISO 8601 (as AWS and Google write it); None if it is not one."""
    text = text.strip()
    if not text:
        return None
    text = _FRACTION.sub(r"\1", text)
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return None if offset_problem(parsed) else parsed


@functools.lru_cache(maxsize=1 << 16)
def parse_iso_once(text: str) -> datetime | None:
    """``parse_iso``, remembered: an export repeats the same timestamps for every series it holds, so a file of
    a million points has a few thousand distinct ones (the result is immutable, so sharing it is safe)."""
    return parse_iso(text)


def day_first(values: list[str]) -> bool:
    """For ``NN/NN/YYYY`` dates: True when some first number is above 12 (so it must be a day)."""
    for value in values:
        match = _SLASH_DATE.match(value.strip())
        if match and int(match.group(1)) > 12:
            return True
    return False


def parse_loose(text: str, *, dayfirst: bool = False) -> datetime | None:
    """A console timestamp in any form listed in the module docstring; aware if it named a zone."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        number = float(text)
        seconds = number / 1000.0 if number > 1e11 else number
        return datetime.fromtimestamp(seconds, UTC)
    iso = parse_iso(text)
    if iso is not None:
        return iso
    zone: tzinfo | None = None
    offset = _GMT_OFFSET.search(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        if delta > MAX_UTC_OFFSET or int(offset.group(3) or 0) >= 60:
            return None
        zone = timezone(sign * delta)
        text = text[: offset.start()]
    else:
        word = _ZONE_WORD.search(text)
        if word:
            zone = UTC
            text = text[: word.start()]
    text = text.strip()
    slash = _SLASH_DATE.match(text)
    if slash:
        first, second, year, rest = slash.groups()
        month, day = (second, first) if dayfirst else (first, second)
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
        parsed = parse_iso(text.replace(" ", "T", 1)) if rest.strip() else parse_iso(text)
        return _with_zone(parsed, zone)
    parsed = parse_iso(text)
    if parsed is None:
        for fmt in _LOOSE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    return _with_zone(parsed, zone)


def _with_zone(parsed: datetime | None, zone: tzinfo | None) -> datetime | None:
    if parsed is None or zone is None or parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=zone)


def not_a_timestamp(text: str, example: str = "2025-05-08T04:00:00Z") -> str:
    """Why ``parse_iso`` / ``parse_loose`` refused ``text``, in words: an impossible offset, or not a timestamp."""
    offset = _TRAILING_OFFSET.search(text.strip()) if re.search(r"\d:\d\d", text) else None
    if offset is not None:
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if timedelta(hours=hours, minutes=minutes) > MAX_UTC_OFFSET or minutes >= 60:
            return f"{quoted(text)} has a UTC offset beyond ±14:00, the widest in use (or minutes above 59)"
    return f"{quoted(text)} is not a timestamp (expected e.g. {example})"
