"""Cloud Monitoring distribution values as the REST API writes them (camelCase JSON), checked and read.

An import and a collection must compute the same percentiles from the same buckets, so the maths is
the collector's (``collectors.gcp.distribution``: merge, interpolation, the unbounded end buckets); this
module only turns a ``distributionValue`` into the ``google.api.Distribution`` message the collector
reads, after checking what the API guarantees and a hand-edited or truncated export may not: exactly
one kind of bucket options with usable parameters, whole non-negative counts that add up to ``count``,
no more bucket counts than buckets. A bad value raises :class:`DistributionError` with a short reason
naming the field, which the importer reports with the file, series and point.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
from typing import Any

from google.api import distribution_pb2
from google.protobuf import json_format

from collectors.gcp import distribution as gcp
from importers.problems import quoted

MAX_FINITE_BUCKETS = 10_000  # far above what Cloud Monitoring metrics use; keeps a typo from exhausting memory
OPTION_KINDS = ("explicitBuckets", "linearBuckets", "exponentialBuckets")


class DistributionError(ValueError):
    """A ``distributionValue`` that cannot be read; the message names the field."""


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DistributionError(f"{field} {quoted(value)} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise DistributionError(f"{field} {quoted(value)} is not a number") from None
    if not math.isfinite(number):
        raise DistributionError(f"{field} {quoted(value)} is not a finite number")
    return number


def _whole(value: Any, field: str, minimum: int) -> int:
    number = _number(value, field)
    if number != int(number) or number < minimum:
        raise DistributionError(f"{field} {quoted(value)} is not a whole number of at least {minimum}")
    return int(number)


def _finite_buckets(options: dict[str, Any], field: str) -> int:
    if "numFiniteBuckets" not in options:
        raise DistributionError(f"{field}.numFiniteBuckets is missing")
    n = _whole(options["numFiniteBuckets"], f"{field}.numFiniteBuckets", 1)
    if n > MAX_FINITE_BUCKETS:
        raise DistributionError(f"{field}.numFiniteBuckets {n} is more than the {MAX_FINITE_BUCKETS:,} Breakeven reads")
    return n


def check_bucket_options(options: Any) -> tuple[dict[str, Any], int]:
    """Check ``bucketOptions``: the options as checked numbers, and how many buckets (with under/overflow)."""
    if not isinstance(options, dict):
        raise DistributionError("bucketOptions is not an object")
    kinds = [k for k in OPTION_KINDS if k in options]
    if len(kinds) != 1:
        found = ", ".join(sorted(options)) or "nothing"
        raise DistributionError(f"bucketOptions must hold exactly one of {', '.join(OPTION_KINDS)}; it holds {found}")
    kind = kinds[0]
    field = f"bucketOptions.{kind}"
    spec = options[kind]
    if not isinstance(spec, dict):
        raise DistributionError(f"{field} is not an object")
    if kind == "explicitBuckets":
        bounds = spec.get("bounds")
        if not isinstance(bounds, list) or not bounds:
            raise DistributionError(f"{field}.bounds is missing or empty; give at least one bound")
        values = [_number(b, f"{field}.bounds[{i}]") for i, b in enumerate(bounds)]
        if len(values) > MAX_FINITE_BUCKETS + 1:
            raise DistributionError(f"{field}.bounds has more than the {MAX_FINITE_BUCKETS + 1:,} Breakeven reads")
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise DistributionError(f"{field}.bounds must be strictly increasing")
        return {kind: {"bounds": values}}, len(values) + 1
    n = _finite_buckets(spec, field)
    if kind == "linearBuckets":
        width = _number(spec.get("width"), f"{field}.width")
        offset = _number(spec.get("offset", 0), f"{field}.offset")
        if width <= 0:
            raise DistributionError(f"{field}.width {quoted(spec.get('width'))} must be above 0")
        if not math.isfinite(offset + width * n):
            raise DistributionError(f"{field} reaches beyond the largest number")
        return {kind: {"numFiniteBuckets": n, "width": width, "offset": offset}}, n + 2
    growth = _number(spec.get("growthFactor"), f"{field}.growthFactor")
    scale = _number(spec.get("scale"), f"{field}.scale")
    if growth <= 1:
        raise DistributionError(f"{field}.growthFactor {quoted(spec.get('growthFactor'))} must be above 1")
    if scale <= 0:
        raise DistributionError(f"{field}.scale {quoted(spec.get('scale'))} must be above 0")
    if math.log(scale) + n * math.log(growth) >= math.log(1e300):
        raise DistributionError(f"{field} reaches beyond the largest number")
    return {kind: {"numFiniteBuckets": n, "growthFactor": growth, "scale": scale}}, n + 2


_INT64_MAX = 2**63 - 1


def _bucket_counts(raw: list[Any]) -> list[int]:
    """Each count as ``_whole`` reads it; plain digits (as the API writes int64) short enough for a float to hold
    exactly are read as they are, anything else is checked (and named) by ``_whole``."""
    counts = []
    for i, c in enumerate(raw):
        if type(c) is str and len(c) <= 15 and c.isascii() and c.isdigit():
            counts.append(int(c))
        else:
            counts.append(_whole(c, f"bucketCounts[{i}]", 0))
    return counts


@functools.lru_cache(maxsize=256)
def _options(text: str) -> tuple[dict[str, Any], int, tuple[float, ...]]:
    """The checked ``bucketOptions`` given as canonical JSON text, how many buckets they define and their finite
    bounds: checked once per distinct options (a series' points, and most files' series, share theirs). The
    bounds are the collector's reading of the same message (``gcp.bucket_bounds``), so they are the same floats.
    A refusal raises and is not cached."""
    checked, buckets = check_bucket_options(json.loads(text))
    try:
        dist = json_format.ParseDict({"bucketOptions": checked}, distribution_pb2.Distribution())
    except json_format.ParseError as exc:  # the checks above should leave nothing for protobuf to refuse
        raise DistributionError(str(exc).splitlines()[0]) from None
    return checked, buckets, gcp.bucket_bounds(dist.bucket_options)


def _checked_message(value: Any) -> tuple[dict[str, Any], tuple[float, ...] | None]:
    """The fields of a ``distributionValue`` Breakeven reads, checked (exemplars and the like are left out), and
    the finite bounds of its bucket options (None without options)."""
    if not isinstance(value, dict):
        raise DistributionError("distributionValue is not an object")
    count = _whole(value.get("count", 0), "count", 0)
    mean = _number(value.get("mean", 0.0), "mean")
    message: dict[str, Any] = {"count": count, "mean": mean}
    raw_counts = value.get("bucketCounts") or []
    if not isinstance(raw_counts, list):
        raise DistributionError("bucketCounts is not a list")
    counts = _bucket_counts(raw_counts)
    options = value.get("bucketOptions")
    bounds = None
    if options:
        if not isinstance(options, dict):
            raise DistributionError("bucketOptions is not an object")
        message["bucketOptions"], buckets, bounds = _options(json.dumps(options, sort_keys=True))
        if len(counts) > buckets:
            raise DistributionError(f"has {len(counts)} bucketCounts but its bucketOptions define {buckets} buckets")
    elif counts:
        raise DistributionError("has bucketCounts but no bucketOptions to say where the buckets are")
    if counts and sum(counts) != count:
        raise DistributionError(f"bucketCounts add up to {sum(counts)} but count is {count}")
    message["bucketCounts"] = counts
    rng = value.get("range")
    if isinstance(rng, dict):
        message["range"] = {
            "min": _number(rng.get("min", 0), "range.min"),
            "max": _number(rng.get("max", 0), "range.max"),
        }
    return message, bounds


def _through_protobuf(message: dict[str, Any]) -> gcp.Histogram:
    """The collector's own path: the message parsed by protobuf, then read as the Monitoring client's value."""
    text_counts = {**message, "count": str(message["count"]), "bucketCounts": [str(c) for c in message["bucketCounts"]]}
    try:
        dist = json_format.ParseDict(text_counts, distribution_pb2.Distribution())
    except json_format.ParseError as exc:  # the checks above should leave nothing for protobuf to refuse
        raise DistributionError(str(exc).splitlines()[0]) from None
    return gcp.from_distribution(dist)


def histogram(value: Any, scale: float = 1.0) -> gcp.Histogram:
    """A checked ``distributionValue`` as the collector's Histogram, its values multiplied by ``scale``.

    ``scale`` converts the export's unit to the store's (nanoseconds to milliseconds: 1e-6); bounds,
    mean and the end-bucket values all scale, so percentiles come out in the store's unit. The fields are
    read straight into the Histogram the collector's ``from_distribution`` makes of the same message (the
    bucket options once per distinct options); counts past int64, which protobuf refuses, take its path.
    """
    message, bounds = _checked_message(value)
    counts = message["bucketCounts"]
    if message["count"] > _INT64_MAX or any(c > _INT64_MAX for c in counts):
        h = _through_protobuf(message)
    else:
        rng = message.get("range")
        value_range = (rng["min"], rng["max"]) if rng is not None else None
        h = gcp.from_fields(bounds or (), counts, message["count"], message["mean"], value_range)
    if scale == 1.0:
        return h
    return dataclasses.replace(
        h,
        bounds=tuple(b * scale for b in h.bounds),
        mean=h.mean * scale,
        low=h.low * scale,
        high=h.high * scale,
    )
