"""Timestamps as exports write them: ISO 8601 / RFC 3339 first, then the looser forms consoles use.

Console chart downloads are not documented (see the AWS and GCP reference notes, section 7), so the
wide-CSV reader accepts ISO forms with or without a zone, ``YYYY/MM/DD``, ``MM/DD/YYYY`` or
``DD/MM/YYYY`` (told apart by a day above 12 somewhere in the column), month names, a trailing
``UTC``/``GMT``/``GMT+hh:mm``, and epoch seconds or milliseconds. Naive times are UTC unless the
caller gives a zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_FRACTION = re.compile(r"(\.\d{6})\d+")
_ZONE_WORD = re.compile(r"\s*(?:\((?:Coordinated Universal Time|UTC)\)|UTC|GMT|Z)\s*$", re.IGNORECASE)
_GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)\s*([+-])(\d{1,2}):?(\d{2})?\s*(?:\([^)]*\))?\s*$", re.IGNORECASE)
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(.*)$")
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
        return datetime.fromisoformat(text)
    except ValueError:
        return None


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
