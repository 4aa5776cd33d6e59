"""How numbers read on every page, in every table and hover: money with its sign, counts for people, "—" for none.

One place, so "−$293.46" (never "$-293.46"), "145,004 requests" (never 145004.1358) and "—" (never "None" or
"nan") hold everywhere. Pure functions, no Streamlit.
"""

from __future__ import annotations

import math
from numbers import Real

MISSING = "—"
MINUS = "\u2212"  # a real minus sign: "−$293.46" reads as one token where "-$293.46" can look like a dash


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, Real) and not math.isfinite(float(value)))


def money(usd: float | None, *, signed: bool = False, cents: bool = True) -> str:
    """``$1,204.50``; negatives as ``−$293.46``; ``signed`` adds ``+`` to gains (savings, differences)."""
    if _missing(usd):
        return MISSING
    value = float(usd)  # type: ignore[arg-type]
    digits = 2 if cents else 0
    text = f"${abs(value):,.{digits}f}"
    if round(value, digits) < 0:
        return MINUS + text
    if signed and round(value, digits) > 0:
        return "+" + text
    return text


def unit_price(usd: float | None, unit: str = "") -> str:
    """A unit price people can read: cents to two places, small prices to four significant digits
    (``$0.0000166667`` per GB-second reads ``$0.00001667``), never scientific notation."""
    if _missing(usd):
        return MISSING
    value = float(usd)  # type: ignore[arg-type]
    if value == 0:
        text = "$0"
    elif abs(value) >= 0.01:
        text = money(value)
    else:
        decimals = min(12, -math.floor(math.log10(abs(value))) + 3)
        text = (MINUS if value < 0 else "") + f"${abs(value):.{decimals}f}".rstrip("0")
    return f"{text} per {unit}" if unit else text


def count(value: float | None, unit: str = "") -> str:
    """Whole things, rounded for people: ``145,004``; below 10 one decimal shows (``2.5 instances``)."""
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.1f}" if 0 < abs(number) < 10 and round(number, 1) != round(number) else f"{number:,.0f}"
    if text in ("-0", "-0.0"):
        text = "0"
    text = text.replace("-", MINUS)
    return f"{text} {unit}" if unit else text


def compact(value: float | None) -> str:
    """1,167,681,182 → ``1.17 B``: headline numbers that fit their tile (the exact figure goes in the tooltip).
    Three significant digits; a value that rounds up to the next size moves to it (999,999 → ``1.00 M``)."""
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    sizes = ((1e9, " B"), (1e6, " M"), (1e3, " k"))
    for index, (size, suffix) in enumerate(sizes):
        scaled = number / size
        if abs(scaled) >= 1 or round(abs(number)) >= size:  # 999.6 rounds to 1,000: show 1.00 k
            digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
            if round(abs(scaled), digits) >= 1000 and index > 0:
                scaled, suffix, digits = number / sizes[index - 1][0], sizes[index - 1][1], 2
            return f"{scaled:,.{digits}f}{suffix}".replace("-", MINUS)
    return count(number)


def percent(share: float | None, *, signed: bool = False, digits: int = 0) -> str:
    """A share (0.61) as ``61 %``; ``signed`` gives ``+12 %`` / ``−8 %`` for differences."""
    if _missing(share):
        return MISSING
    value = float(share) * 100  # type: ignore[arg-type]
    text = f"{abs(value):.{digits}f} %"
    if round(value, digits) < 0:
        return MINUS + text
    if signed and round(value, digits) > 0:
        return "+" + text
    return text


def duration_ms(ms: float | None) -> str:
    """Latency as people say it: ``84 ms``, ``1.25 s``, ``2.1 min``."""
    if _missing(ms):
        return MISSING
    value = float(ms)  # type: ignore[arg-type]
    if abs(value) >= 60_000:
        return f"{value / 60_000:,.1f} min"
    if abs(value) >= 1_000:
        return f"{value / 1_000:,.2f}".rstrip("0").rstrip(".") + " s"
    return f"{value:,.0f} ms" if abs(value) >= 10 else f"{value:,.1f} ms"
