"""Compare two dumps of the same figures within a stated tolerance (``bench/engine_identity.py --compare``).

A dump is ``repr`` text: dataclasses, tuples, strings and numpy arrays printed at every float's shortest
exact form. Both texts are split into tokens, whitespace ignored (numpy pads an array's elements to a common
width, so a changed last digit can move the spaces of its neighbours): numbers, and runs of anything else.
Text compares exactly and so do integers (a token with no decimal point or exponent: counts, levels,
ids, dates); floats compare within ``rel`` of the larger magnitude or ``abs_tol`` absolutely, and NaN
only with NaN, an infinity only with itself. A change of summation order moves a float by ~1e-16 of the
sums it feeds and passes; a changed verdict, label or option is text and fails; a whole-number count
carried as a float that moves by 1 fails as long as it is under ``1 / rel`` (1e9).

The default tolerance, 1e-9 relative and absolute, is what the engine's own approximations already
allow and far under anything displayed (money is shown to the cent, counts to whole numbers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

REL = 1e-9
ABS = 1e-9
_TOKEN = re.compile(
    r"(?P<num>(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|(?<![\w.])[-+]?(?:nan|inf)(?![\w.]))"
    r"|(?P<text>\S)"
)


def tokens(text: str) -> list[str | float | int]:
    """Numbers (int or float) and text runs of ``text``, whitespace dropped; adjacent text joined."""
    out: list[str | float | int] = []
    for match in _TOKEN.finditer(text):
        number = match.group("num")
        if number is None:
            if out and isinstance(out[-1], str):
                out[-1] += match.group("text")
            else:
                out.append(match.group("text"))
        elif re.fullmatch(r"[-+]?\d+", number):
            out.append(int(number))
        else:
            out.append(float(number))
    return out


@dataclass(frozen=True)
class Difference:
    """How two dumps of one section differ: whether they agree within the tolerance, the largest absolute
    and relative float differences (and the values there), the floats that differ at all, the first failure."""

    within: bool
    floats: int
    changed: int
    max_abs: float
    max_abs_at: tuple[float, float] | None
    max_rel: float
    max_rel_at: tuple[float, float] | None
    failure: str


def _same_special(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def compare_text(before: str, after: str, rel: float = REL, abs_tol: float = ABS) -> Difference:
    """Compare two dumps token by token: text and integers exactly, floats within (rel, abs_tol)."""
    a_tokens, b_tokens = tokens(before), tokens(after)
    floats = changed = 0
    max_abs = max_rel = 0.0
    abs_at = rel_at = None
    failure = ""
    if len(a_tokens) != len(b_tokens):
        failure = f"{len(a_tokens)} tokens before, {len(b_tokens)} after"
    for i, (a, b) in enumerate(zip(a_tokens, b_tokens, strict=False)):
        if isinstance(a, float) and isinstance(b, float):
            floats += 1
            if a == b or (math.isnan(a) and math.isnan(b)):
                continue
            changed += 1
            if not (math.isfinite(a) and math.isfinite(b)):
                if not _same_special(a, b) and not failure:
                    failure = f"token {i}: {a!r} became {b!r}"
                continue
            diff = abs(a - b)
            scale = max(abs(a), abs(b))
            relative = diff / scale if scale > 0 else 0.0
            if diff > max_abs:
                max_abs, abs_at = diff, (a, b)
            if relative > max_rel:
                max_rel, rel_at = relative, (a, b)
            if diff > abs_tol and diff > rel * scale and not failure:
                failure = f"token {i}: {a!r} became {b!r} (abs {diff:.3g}, rel {relative:.3g})"
        elif (type(a) is not type(b) or a != b) and not failure:
            context = " ".join(str(t) for t in a_tokens[max(0, i - 6) : i + 1])
            failure = f"token {i}: {a!r} became {b!r} (after …{context[-160:]})"
    return Difference(not failure, floats, changed, max_abs, abs_at, max_rel, rel_at, failure)
