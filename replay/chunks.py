"""Run the engine on slices of resources and join the results: bounded memory, and arrays that stay in cache.

Resources never interact in the engine (tests/replay/test_stacked.py), so a result computed in chunks is
the one computed at once. A result is joined field by field: values as long as their chunk (arrays whose
first axis is the resources, per-resource lists) are concatenated, everything else (assumptions, a level
axis) is taken from the first chunk. With one chunk the result is returned as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

import numpy as np

from replay.traffic import Panel, Prepared, Traffic, prepare

T = TypeVar("T")
DEFAULT_ROWS = 512


def _panel_rows(panel: Panel, rows: np.ndarray) -> Panel:
    return panel.take_rows(rows)


def select(traffic: Traffic, index: np.ndarray) -> Traffic:
    """The traffic of the resources ``index`` (sorted, distinct), in that order."""
    index = np.asarray(index)
    minutes = minute_rows = None
    if traffic.minutes is not None:
        position = np.full(traffic.resources, -1)
        position[index] = np.arange(index.size)
        mine = np.flatnonzero(position[traffic.minute_rows] >= 0)
        if mine.size:
            minutes = _panel_rows(traffic.minutes, mine)
            minute_rows = position[traffic.minute_rows[mine]]
    hourly = None if traffic.hourly is None else _panel_rows(traffic.hourly, index)
    if hourly is None:  # minute-only traffic: its rows are the resources
        order = np.argsort(minute_rows)
        minutes, minute_rows = _panel_rows(minutes, order), None
    names = tuple(traffic.names[i] for i in index) if traffic.names else ()
    return Traffic(hourly, minutes, minute_rows, traffic.starts_cold[index], names)


def split(traffic: Traffic, rows: int = DEFAULT_ROWS) -> Iterator[tuple[np.ndarray, Traffic]]:
    """(resource indices, the traffic of those resources) for consecutive slices of ``rows`` resources."""
    total = traffic.resources
    for start in range(0, total, rows):
        index = np.arange(start, min(start + rows, total))
        yield index, select(traffic, index)


def _join(parts: list[Any], sizes: list[int]) -> Any:
    """Join one field of the chunks' results: per-resource values (every part as long as its own chunk)
    are concatenated, anything else is shared and taken from the first chunk."""
    first = parts[0]
    if is_dataclass(first):
        return replace(first, **{f.name: _join([getattr(p, f.name) for p in parts], sizes) for f in fields(first)})
    per_resource = all(
        (isinstance(p, list) or (isinstance(p, np.ndarray) and p.ndim >= 1)) and len(p) == size
        for p, size in zip(parts, sizes, strict=True)
    )
    if per_resource and len(parts) > 1 and isinstance(first, np.ndarray):
        return np.concatenate(parts, axis=0)
    if per_resource and len(parts) > 1:
        return [item for part in parts for item in part]
    return first


def chunked(traffic: Traffic, model: Callable[[Prepared], T], rows: int = DEFAULT_ROWS) -> T:
    """``model(prepare(traffic))`` computed ``rows`` resources at a time.

    Level curves must share one level axis across chunks: pass an explicit ``k_max`` to them.
    """
    pieces = list(split(traffic, rows))
    results = [model(prepare(part)) for _, part in pieces]
    return _join(results, [len(index) for index, _ in pieces])
