"""Cloud Monitoring distributions read straight into the collector's Histogram (no protobuf message per point, the
bucket options checked once per distinct options), and the depth check as one list per level: the same
Histograms, the same refusals, named by file, series, point and field, nothing written."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from google.api import distribution_pb2
from google.protobuf import json_format

from collectors.gcp import distribution as gcp
from importers import ImportOptions, InputFile, RejectedFiles, import_files
from importers.distribution import DistributionError, histogram
from importers.jsondocs import MAX_DEPTH, check_depth
from importers.problems import ImportRejected


def _collector(value: dict) -> gcp.Histogram:
    """What the collector makes of the same value: protobuf's message, then ``from_distribution``."""
    return gcp.from_distribution(json_format.ParseDict(value, distribution_pb2.Distribution()))


def _random_value(rng: random.Random) -> dict:
    kind = rng.choice(["explicit", "linear", "exponential", "none"])
    if kind == "explicit":
        bounds = sorted({round(rng.uniform(0.5, 500), 3) for _ in range(rng.randint(1, 8))})
        options: dict | None = {"explicitBuckets": {"bounds": bounds}}
        buckets = len(bounds) + 1
    elif kind == "linear":
        n = rng.randint(1, 12)
        options = {
            "linearBuckets": {"numFiniteBuckets": n, "width": rng.choice([1, 2.5, 10]), "offset": rng.choice([0, 3])}
        }
        buckets = n + 2
    elif kind == "exponential":
        n = rng.randint(1, 30)
        options = {"exponentialBuckets": {"numFiniteBuckets": n, "growthFactor": rng.choice([1.4, 2]), "scale": 1}}
        buckets = n + 2
    else:
        options, buckets = None, 0
    counts = [rng.randint(0, 50) for _ in range(rng.randint(0, buckets))] if buckets else []
    value: dict = {"count": str(sum(counts) if counts else rng.randint(0, 9)), "mean": round(rng.uniform(0, 900), 2)}
    if options:
        value["bucketOptions"] = options
        value["bucketCounts"] = [str(c) for c in counts]
    if rng.random() < 0.3:
        value["range"] = {"min": rng.choice([0.1, 2.0, 7.0]), "max": rng.choice([1.0, 90.0, 4000.0])}
    return value


def test_random_distributions_read_as_the_collector_reads_them() -> None:
    rng = random.Random(11)
    for _ in range(150):
        value = _random_value(rng)
        assert histogram(value) == _collector(value), value
        scaled, collected = histogram(value, scale=1e-6), _collector(value)
        assert scaled.bounds == tuple(b * 1e-6 for b in collected.bounds)
        assert (scaled.mean, scaled.counts) == (collected.mean * 1e-6, collected.counts)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        (["1", "\u00b2"], "bucketCounts[1] '\u00b2' is not a number"),
        (["1", "-1"], "bucketCounts[1] '-1' is not a whole number"),
        (["1", "0.5"], "bucketCounts[1] '0.5' is not a whole number"),
        ([True, "0"], "bucketCounts[0] True is not a number"),
    ],
)
def test_bucket_counts_that_are_not_plain_digits_are_named(counts: list, reason: str) -> None:
    value = {"count": "1", "mean": 1.0, "bucketOptions": {"explicitBuckets": {"bounds": [1]}}, "bucketCounts": counts}
    with pytest.raises(DistributionError) as caught:
        histogram(value)
    assert reason in str(caught.value)


def test_whole_counts_in_any_spelling_read_alike() -> None:
    options = {"explicitBuckets": {"bounds": [1]}}
    spellings = [["2", "1"], [2, 1], ["2.0", 1.0], ["02", "1e0"]]
    read = {histogram({"count": "3", "mean": 1.0, "bucketOptions": options, "bucketCounts": c}) for c in spellings}
    assert len(read) == 1 and next(iter(read)).counts == (2.0, 1.0)


def test_counts_past_int64_are_refused_as_protobuf_refuses_them() -> None:
    value = {"count": str(2**64), "mean": 1.0}
    with pytest.raises(DistributionError) as caught:
        histogram(value)
    assert "\n" not in str(caught.value) and str(caught.value)


def _series(points: list[dict]) -> dict:
    return {
        "metric": {"type": "run.googleapis.com/request_latencies"},
        "resource": {
            "type": "cloud_run_revision",
            "labels": {"service_name": "svc", "location": "l", "project_id": "p"},
        },
        "metricKind": "DELTA",
        "valueType": "DISTRIBUTION",
        "points": points,
    }


def _point(hour: int, scale: object) -> dict:
    options = {"exponentialBuckets": {"numFiniteBuckets": 2, "growthFactor": 2, "scale": scale}}
    value = {"count": "3", "mean": 1.5, "bucketOptions": options, "bucketCounts": ["0", "1", "2"]}
    interval = {"startTime": f"2025-05-08T{hour:02d}:00:00Z", "endTime": f"2025-05-08T{hour + 1:02d}:00:00Z"}
    return {"interval": interval, "value": {"distributionValue": value}}


def test_options_equal_in_python_but_not_in_json_are_checked_apart(tmp_path: Path) -> None:
    """``True == 1`` in Python: the second point's scale ``true`` is still refused after the first's ``1`` passed,
    named by file, series, point and field, and nothing is written (no database is created)."""
    path = tmp_path / "latencies.json"
    path.write_text(json.dumps({"timeSeries": [_series([_point(0, 1), _point(1, True)])]}))
    db = tmp_path / "store.duckdb"
    with pytest.raises(RejectedFiles) as caught:
        import_files(db, [InputFile.from_path(path)], ImportOptions())
    (rejection,) = caught.value.rejections
    (line,) = rejection.lines()
    assert line.startswith("latencies.json")
    assert "page 1, timeSeries[0].points[1]" in line
    assert "bucketOptions.exponentialBuckets.scale True is not a number" in line
    assert not db.exists()


def test_shared_options_give_each_point_its_own_counts(tmp_path: Path) -> None:
    """Two points with the same options (the second read from the options' cache): their own counts and means."""
    one = histogram(_point(0, 1)["value"]["distributionValue"])
    other = {"count": "4", "mean": 3.0, "bucketOptions": _point(0, 1)["value"]["distributionValue"]["bucketOptions"]}
    two = histogram({**other, "bucketCounts": ["0", "0", "1", "3"]})
    assert one.bounds == two.bounds == (1.0, 2.0, 4.0)
    assert one.counts == (0.0, 1.0, 2.0, 0.0) and two.counts == (0.0, 0.0, 1.0, 3.0)
    assert (one.count, one.mean, two.count, two.mean) == (3, 1.5, 4, 3.0)


def _nested(levels: int) -> object:
    value: object = 1
    for i in range(levels):
        value = [value] if i % 2 else {"k": value, "n": 2}
    return value


def test_depth_is_counted_in_lists_and_objects() -> None:
    check_depth(_nested(MAX_DEPTH), "f.json")
    check_depth("text", "f.json")
    check_depth({"a": [1, 2, {"b": []}], "c": "x"}, "f.json")
    with pytest.raises(ImportRejected) as caught:
        check_depth({"wide": [0] * 10, "deep": _nested(MAX_DEPTH)}, "f.json", "document 1")
    assert "f.json" in str(caught.value) and f"more than {MAX_DEPTH} levels" in str(caught.value)
