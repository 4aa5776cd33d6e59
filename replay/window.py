"""Sliding maxima along the period axis, vectorised over rows: the warm pool of a keep-alive window."""

from __future__ import annotations

import numpy as np


def max_of_previous(values: np.ndarray, periods: int, pad: np.ndarray) -> np.ndarray:
    """max(values[:, t-periods .. t-1]) for every t; positions before the start take ``pad`` (per row).

    Doubling: the max over 2w previous periods is the max of two windows of w, so the cost is
    O(n log periods), not O(n · periods).
    """
    n = values.shape[1]
    if periods <= 0:
        return np.zeros_like(values)
    padded = np.concatenate([np.repeat(pad[:, None], periods, axis=1), values], axis=1)
    # span[:, i] = max(padded[:, i .. i+width-1]); grow width to `periods` by powers of two
    span, width = padded, 1
    result = None
    remaining, offset = periods, 0
    while remaining:
        if remaining & width:
            piece = span[:, offset : offset + n]
            result = piece if result is None else np.maximum(result, piece)
            offset += width
            remaining -= width
        if remaining:
            span = np.maximum(span[:, :-width], span[:, width:])
            width *= 2
    return result


def warm_pool(need: np.ndarray, window_periods: float, pad: np.ndarray) -> np.ndarray:
    """Instances still warm at the start of each period: the max need over the previous ``window_periods``.

    A fractional window counts the oldest period in proportion (its peak is equally likely anywhere in
    it), which keeps the pool continuous and non-decreasing in the keep-alive.
    """
    whole = int(np.floor(window_periods))
    part = window_periods - whole
    pool = max_of_previous(need, whole, pad)
    if part > 1e-9:
        longer = max_of_previous(need, whole + 1, pad)
        pool = pool + part * (longer - pool)
    return pool


def fill_gaps(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Each unknown cell takes the next known value in its row (the last known one after the end).

    Used so that a missing stretch neither empties the warm pool nor counts as a scale-out when data
    resumes: what the traffic needed then is assumed to have been there before.
    """
    n = values.shape[1]
    if known.all():
        return values
    gaps = ~known.all(axis=1)
    if not gaps.all():  # only rows with an unknown cell need the fill
        out = values.copy()
        out[gaps] = fill_gaps(values[gaps], known[gaps])
        return out
    index = np.where(known, np.arange(n)[None, :], n)
    next_known = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
    last = np.where(known, np.arange(n)[None, :], -1)
    prev_known = np.maximum.accumulate(last, axis=1)
    source = np.where(next_known < n, next_known, np.maximum(prev_known, 0))
    return np.take_along_axis(values, source, axis=1)


def first_known(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The first known value of each row (0 for a row with none)."""
    has = known.any(axis=1)
    first = np.argmax(known, axis=1)
    return np.where(has, values[np.arange(values.shape[0]), first], 0.0)
