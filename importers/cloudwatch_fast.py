"""CloudWatch ``get-metric-data`` results read a series at a time, as arrays: the usual file, fast.

``importers.cloudwatch`` reads a point at a time (8.7 µs a point), keeping each point's place so that any
problem is named, and combining the variants of a SageMaker endpoint. Most files need none of that: every
series is one query's, one resource's metric at one period, with numbers for values and timestamps in the
storable span. Such a file is read here, each series as two arrays (its timestamps, parsed once per distinct
list, and its values) and every check of ``importers.model.MetricRows`` made on the arrays at once. Anything
else (a problem of any kind, a point repeated across pages, two series for one resource's metric) returns
None, and the file is read by the point-by-point path, which names the problem or combines the series: the
rows, refusals and notes are the same either way (tests/importers/test_cloudwatch_fast.py compares both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from common.timeutil import EARLIEST_TIME, latest_time, naive_utc
from importers.model import PERCENT_METRICS, ImportOptions, Parsed
from importers.problems import Problems, shorten
from importers.timeparse import parse_iso
from store.batch import ResourceRecord

if TYPE_CHECKING:
    import numpy as np

    from importers.cloudwatch import Query

_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
_NUMBERS = {int, float}


@dataclass
class _Series:
    service: str
    account: str
    name: str
    role: str
    period_s: int
    starts: np.ndarray  # µs since the epoch, naive UTC
    values: np.ndarray


class _Unusual(Exception):
    """The file needs the point-by-point path (a problem to name, or series to combine)."""


def parse_fast(
    pages: list[Any], queries: dict[str, Query], serverless: set[str | None], options: ImportOptions, file_name: str
) -> Parsed | None:
    """The file's rows as ``importers.cloudwatch.parse`` makes them, or None when it must read point by point."""
    try:
        return _parse(pages, queries, serverless, options, file_name)
    except (_Unusual, OverflowError, ValueError, TypeError):
        return None


def _parse(
    pages: list[Any], queries: dict[str, Query], serverless: set[str | None], options: ImportOptions, file_name: str
) -> Parsed:
    import numpy as np

    from importers.cloudwatch import LAMBDA, _check_query

    notes: list[str] = []
    series: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    meta: dict[str, tuple[str, str, str, str, int, float]] = {}
    stamps: dict[tuple[str, ...], np.ndarray] = {}
    texts: dict[str, int] = {}
    points = 0
    for page in pages:
        results = page.get("MetricDataResults") if isinstance(page, dict) else None
        if not isinstance(results, list):
            raise _Unusual
        messages = page.get("Messages") or []
        for message in messages if isinstance(messages, list) else [messages]:
            text = f"{message.get('Code', '')} {message.get('Value', '')}" if isinstance(message, dict) else message
            notes.append(shorten(f"CloudWatch message: {text}".strip(), 200))
        for result in results:
            if not isinstance(result, dict):
                raise _Unusual
            rid = shorten(str(result.get("Id", "?")))
            query = queries.get(rid)
            mapped = _check_query(query, Problems(file_name)) if query is not None else None
            status = result.get("StatusCode", "Complete")
            if mapped is None or status in ("InternalError", "Forbidden"):
                raise _Unusual
            if status == "PartialData":
                notes.append(f"result {rid} is PartialData: CloudWatch had more points than this file holds")
            timestamps, values = result.get("Timestamps") or [], result.get("Values") or []
            if not isinstance(timestamps, list) or not isinstance(values, list) or len(timestamps) != len(values):
                raise _Unusual
            if not set(map(type, values)) <= _NUMBERS or not set(map(type, timestamps)) <= {str}:
                raise _Unusual
            key = tuple(timestamps)
            starts = stamps.get(key)
            if starts is None:
                starts = stamps[key] = np.array([_micros(t, texts) for t in key], dtype=np.int64)
            series.setdefault(rid, []).append((starts, np.asarray(values, dtype=np.float64)))
            if rid not in meta:
                role, scale = mapped
                name = query.dimensions.get("FunctionName") or query.dimensions["EndpointName"]
                if query.namespace == LAMBDA:
                    service = "lambda"
                else:
                    service = "sagemaker-serverless" if name in serverless else "sagemaker-endpoint"
                meta[rid] = (service, query.account, name, role, query.period_s, scale)
            points += len(timestamps)
    return _rows(series, meta, options, points, notes)


def _micros(text: str, seen: dict[str, int]) -> int:
    """A timestamp's µs since the epoch (naive UTC), parsed once per distinct text; not one raises _Unusual."""
    micros = seen.get(text)
    if micros is None:
        parsed = parse_iso(text)
        if parsed is None:
            raise _Unusual
        micros = seen[text] = (naive_utc(parsed) - _EPOCH) // _US
    return micros


def _rows(
    series: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    meta: dict[str, tuple[str, str, str, str, int, float]],
    options: ImportOptions,
    points: int,
    notes: list[str],
) -> Parsed:
    """Each series checked as ``MetricRows.put`` checks a point, then the table in ``MetricRows.table``'s order."""
    import numpy as np
    import pyarrow as pa

    lo = (EARLIEST_TIME - _EPOCH) // _US
    hi = (latest_time() - _EPOCH) // _US
    groups: dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray]] = {}
    resources: dict[str, ResourceRecord] = {}
    for rid, parts in series.items():
        service, account, name, role, period_s, scale = meta[rid]
        starts = np.concatenate([s for s, _ in parts]) if len(parts) > 1 else parts[0][0]
        values = np.concatenate([v for _, v in parts]) if len(parts) > 1 else parts[0][1]
        if not len(starts):
            continue  # no point, no row and no resource (as point by point)
        order = np.argsort(starts, kind="stable")
        starts, values = starts[order], values[order] * scale + 0.0  # + 0.0: the point path's sum() of one value
        if len(starts) > 1 and not np.all(starts[1:] != starts[:-1]):
            raise _Unusual  # a point given twice (across pages): the point path keeps the first or names both
        if not np.all(np.isfinite(values)) or np.any(values < 0) or period_s <= 0:
            raise _Unusual
        if role in PERCENT_METRICS and np.any(values > 100):
            raise _Unusual
        if starts[0] < lo or starts[-1] > hi:
            raise _Unusual
        resource = ResourceRecord(service, account, options.region, name)
        key = (resource.resource_id, role, period_s)
        if key in groups:
            raise _Unusual  # two series of one resource's metric: combined point by point
        groups[key] = (starts, values)
        resources[resource.resource_id] = resource
    keys = sorted(groups)
    lengths = [len(groups[k][0]) for k in keys]
    table = pa.table(
        {
            "resource_id": pa.array(np.repeat(np.array([k[0] for k in keys], dtype=object), lengths), pa.string()),
            "metric": pa.array(np.repeat(np.array([k[1] for k in keys], dtype=object), lengths), pa.string()),
            "period_start": pa.array(_joined([groups[k][0] for k in keys], np.int64)).cast(pa.timestamp("us")),
            "period_s": pa.array(np.repeat(np.array([k[2] for k in keys], dtype=np.int32), lengths), pa.int32()),
            "value": pa.array(_joined([groups[k][1] for k in keys], np.float64), pa.float64()),
        }
    )
    return Parsed(points, sorted(resources.values(), key=lambda r: r.resource_id), [], table, notes)


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    import numpy as np

    return np.concatenate(arrays) if arrays else np.array([], dtype=dtype)
