"""Cloud Monitoring timeSeries.list JSON: counts, merged histograms, gauges, nanoseconds, pages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from google.api import distribution_pb2
from google.protobuf import json_format

from collectors.gcp import distribution as gcp
from collectors.gcp.distribution import merge, percentile
from importers import ImportOptions, InputFile, RejectedFiles, import_files, prepare
from importers.distribution import DistributionError, histogram
from tests.importers.conftest import SAMPLES, metric_values

RUN = "cloud-run:acme-ml-prod:europe-west1:image-tagger"
FN = "cloud-functions:acme-ml-prod:us-central1:thumbnailer"


def test_cloud_run_sample(store_db: Path) -> None:
    (result,) = import_files(store_db, [InputFile.from_path(SAMPLES / "monitoring-cloud-run.json")], ImportOptions())
    assert result.format == "monitoring-json"
    assert result.resources == [RUN]
    assert metric_values(store_db, RUN, "invocations") == {"2025-05-08 00:00": 5400, "2025-05-08 01:00": 6100}
    assert metric_values(store_db, RUN, "errors") == {"2025-05-08 00:00": 10, "2025-05-08 01:00": 20}
    # gauges: active + idle instances, period from the spacing of the points, starting one period before
    assert metric_values(store_db, RUN, "instances_avg") == {"2025-05-08 00:00": 2, "2025-05-08 01:00": 4}
    assert metric_values(store_db, RUN, "cold_starts") == {"2025-05-08 00:00": 1, "2025-05-08 01:00": 2}
    assert metric_values(store_db, RUN, "init_duration_ms_avg") == {"2025-05-08 00:00": 2990, "2025-05-08 01:00": 2350}
    assert metric_values(store_db, RUN, "duration_ms_avg") == {"2025-05-08 00:00": 131.0, "2025-05-08 01:00": 142.5}
    # billable instance time is seconds per period in the export, milliseconds in the store
    assert metric_values(store_db, RUN, "billable_instance_ms_sum") == pytest.approx(
        {"2025-05-08 00:00": 7_204_900.0, "2025-05-08 01:00": 10_260_400.0}
    )
    # hour 0: buckets [0,50) 1000, [50,100) 2800, [100,200) 1300, [200,400) 240, ... of 5390 requests
    p = {
        m: metric_values(store_db, RUN, m)["2025-05-08 00:00"]
        for m in ("duration_ms_p50", "duration_ms_p90", "duration_ms_p99")
    }
    assert p["duration_ms_p50"] == pytest.approx(50 + 50 * (0.50 * 5390 - 1000) / 2800)
    assert p["duration_ms_p90"] == pytest.approx(100 + 100 * (0.90 * 5390 - 3800) / 1300)
    assert p["duration_ms_p99"] == pytest.approx(200 + 200 * (0.99 * 5390 - 5100) / 240)


def test_cloud_functions_pages_in_nanoseconds(store_db: Path) -> None:
    file = InputFile.from_path(SAMPLES / "monitoring-cloud-functions-pages.json")
    import_files(store_db, [file], ImportOptions())
    assert metric_values(store_db, FN, "invocations") == {"2025-05-08 00:00": 792, "2025-05-08 01:00": 846}
    assert metric_values(store_db, FN, "errors") == {"2025-05-08 00:00": 2, "2025-05-08 01:00": 6}
    assert metric_values(store_db, FN, "duration_ms_avg") == {"2025-05-08 00:00": 910.0, "2025-05-08 01:00": 950.0}
    # hour 1: 100 in bucket 20 [2^9.5, 2^10) ms, 400 in bucket 21 [2^10, 2^10.5) ms: the median is in bucket 21
    lo, hi = 2**10, 2**10.5
    assert metric_values(store_db, FN, "duration_ms_p50")["2025-05-08 01:00"] == pytest.approx(
        lo + (hi - lo) * (423 - 100) / 400
    )


def test_pages_as_a_list_and_repeated_points(tmp_path: Path) -> None:
    page = json.loads((SAMPLES / "monitoring-cloud-run.json").read_text())
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([page, page, {"unit": ""}]))  # the same page twice, then an empty page
    once = prepare(InputFile.from_path(SAMPLES / "monitoring-cloud-run.json"), ImportOptions())
    twice = prepare(InputFile.from_path(path), ImportOptions())
    assert twice.parsed.metrics.equals(once.parsed.metrics)


def test_percentile_aligned_latencies_are_refused(tmp_path: Path) -> None:
    doc = {
        "timeSeries": [
            {
                "metric": {"type": "run.googleapis.com/request_latencies"},
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {"service_name": "s", "location": "l", "project_id": "p"},
                },
                "points": [
                    {
                        "interval": {"startTime": "2025-05-08T00:00:00Z", "endTime": "2025-05-08T01:00:00Z"},
                        "value": {"doubleValue": 120.5},
                    }
                ],
            }
        ]
    }
    path = tmp_path / "p99.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(path)], ImportOptions())
    line = caught.value.rejections[0].lines()[0]
    assert line.startswith("p99.json, page 1, timeSeries[0].points[0]: value {'doubleValue': 120.5} cannot be read")
    assert "latencies must be distributions" in line


def test_rate_aligned_counts_are_refused(tmp_path: Path) -> None:
    doc = {
        "timeSeries": [
            {
                "metric": {"type": "run.googleapis.com/container/billable_instance_time"},
                "metricKind": "GAUGE",
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {"service_name": "s", "location": "l", "project_id": "p"},
                },
                "points": [{"interval": {"endTime": "2025-05-08T01:00:00Z"}, "value": {"doubleValue": 2.0}}],
            }
        ]
    }
    path = tmp_path / "rate.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(path)], ImportOptions())
    assert "is a GAUGE here: a rate aligner was applied" in caught.value.rejections[0].lines()[0]


def test_histogram_percentile_edges() -> None:
    h = histogram(
        {
            "count": "4",
            "mean": 5,
            "bucketOptions": {"linearBuckets": {"numFiniteBuckets": 3, "width": 10, "offset": 0}},
            "bucketCounts": ["0", "4"],
        }
    )
    assert percentile(h, 0.5) == pytest.approx(5.0)
    assert percentile(histogram({"count": "0", "mean": 0}), 0.5) is None  # no buckets: only a mean
    other = histogram(
        {"count": "1", "mean": 1, "bucketOptions": {"explicitBuckets": {"bounds": [0, 1]}}, "bucketCounts": ["0", "1"]}
    )
    mixed = merge([h, other])  # different boundaries: re-bucketed as the collector does, not given up on
    assert mixed.count == 5 and math.isclose(mixed.mean, 21 / 5)
    assert percentile(mixed, 0.5) == pytest.approx(gcp.percentile(gcp.merge([h, other]), 0.5))


def _as_proto(value: dict) -> distribution_pb2.Distribution:
    return json_format.ParseDict(value, distribution_pb2.Distribution())


AGREEMENT_CASES = {
    "underflow only": {
        "count": "10",
        "mean": 2.0,
        "bucketOptions": {"explicitBuckets": {"bounds": [5, 10, 20]}},
        "bucketCounts": ["10"],
    },
    "explicit": {
        "count": "100",
        "mean": 12.0,
        "bucketOptions": {"explicitBuckets": {"bounds": [5, 10, 20, 40]}},
        "bucketCounts": ["3", "40", "30", "20", "7"],
    },
    "linear with offset": {
        "count": "30",
        "mean": 130.0,
        "bucketOptions": {"linearBuckets": {"numFiniteBuckets": 4, "width": 25, "offset": 100}},
        "bucketCounts": ["2", "10", "10", "5", "2", "1"],
    },
    "exponential": {
        "count": "50",
        "mean": 900.0,
        "bucketOptions": {"exponentialBuckets": {"numFiniteBuckets": 20, "growthFactor": 1.4, "scale": 1}},
        "bucketCounts": ["0"] * 18 + ["20", "25", "5"],
    },
    "with range": {
        "count": "8",
        "mean": 3.0,
        "range": {"min": 1.5, "max": 80.0},
        "bucketOptions": {"explicitBuckets": {"bounds": [2, 50]}},
        "bucketCounts": ["4", "2", "2"],
    },
}


@pytest.mark.parametrize("case", list(AGREEMENT_CASES))
def test_import_and_collector_read_the_same_histogram_alike(case: str) -> None:
    """The JSON an export holds and the message the collector receives give the same numbers."""
    value = AGREEMENT_CASES[case]
    imported = histogram(value)
    collected = gcp.from_distribution(_as_proto(value))
    for q in (0.01, 0.25, 0.5, 0.9, 0.99):
        assert percentile(imported, q) == pytest.approx(gcp.percentile(collected, q))
    assert imported.mean == collected.mean and imported.count == collected.count
    in_ms = histogram(value, scale=1e-6)  # an export in ns: percentiles scale, as the collector divides them
    assert percentile(in_ms, 0.5) == pytest.approx(gcp.percentile(collected, 0.5) * 1e-6)


def test_latencies_all_below_the_first_bound_interpolate_from_zero(tmp_path: Path, store_db: Path) -> None:
    """p50 of ten requests all under 5 ms is 2.5 ms (as the collector says), not the 5 ms bound."""
    doc = {
        "timeSeries": [
            {
                "metric": {"type": "run.googleapis.com/request_latencies"},
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {"service_name": "svc", "location": "europe-west1", "project_id": "p"},
                },
                "metricKind": "DELTA",
                "valueType": "DISTRIBUTION",
                "points": [
                    {
                        "interval": {"startTime": "2025-05-08T00:00:00Z", "endTime": "2025-05-08T01:00:00Z"},
                        "value": {"distributionValue": AGREEMENT_CASES["underflow only"]},
                    }
                ],
            }
        ]
    }
    path = tmp_path / "fast.json"
    path.write_text(json.dumps(doc))
    import_files(store_db, [InputFile.from_path(path)], ImportOptions())
    rid = "cloud-run:p:europe-west1:svc"
    assert metric_values(store_db, rid, "duration_ms_p50") == {"2025-05-08 00:00": pytest.approx(2.5)}
    assert metric_values(store_db, rid, "duration_ms_avg") == {"2025-05-08 00:00": 2.0}


@pytest.mark.parametrize(
    ("options", "counts", "reason"),
    [
        ({"explicitBuckets": {"bounds": []}}, [], "bucketOptions.explicitBuckets.bounds is missing or empty"),
        ({"explicitBuckets": {"bounds": [5, 5]}}, [], "bucketOptions.explicitBuckets.bounds must be strictly"),
        ({"explicitBuckets": {"bounds": [1, "x"]}}, [], "bucketOptions.explicitBuckets.bounds[1] 'x' is not a number"),
        ({"exponentialBuckets": {"growthFactor": 2, "scale": 1}}, [], "exponentialBuckets.numFiniteBuckets is missing"),
        ({"exponentialBuckets": {"numFiniteBuckets": 9, "growthFactor": 1, "scale": 1}}, [], "must be above 1"),
        ({"exponentialBuckets": {"numFiniteBuckets": 9000, "growthFactor": 10, "scale": 1}}, [], "beyond the largest"),
        ({"linearBuckets": {"numFiniteBuckets": "x", "width": 1}}, [], "numFiniteBuckets 'x' is not a number"),
        ({"linearBuckets": {"numFiniteBuckets": 2.5, "width": 1}}, [], "2.5 is not a whole number of at least 1"),
        ({"linearBuckets": {"numFiniteBuckets": 0, "width": 1}}, [], "0 is not a whole number of at least 1"),
        ({"linearBuckets": {"numFiniteBuckets": 10**9, "width": 1}}, [], "is more than the 10,000 Breakeven reads"),
        ({"linearBuckets": {"numFiniteBuckets": 2, "width": 0}}, [], "linearBuckets.width 0 must be above 0"),
        ({}, ["1"], "has bucketCounts but no bucketOptions"),
        ({"linearBuckets": {"numFiniteBuckets": 1, "width": 1}, "explicitBuckets": {"bounds": [1]}}, [], "exactly one"),
        ({"explicitBuckets": {"bounds": [1]}}, ["1", "0", "0"], "has 3 bucketCounts but its bucketOptions define 2"),
        ({"explicitBuckets": {"bounds": [1]}}, ["1", "-1"], "bucketCounts[1] '-1' is not a whole number"),
        ({"explicitBuckets": {"bounds": [1]}}, ["1", "2"], "bucketCounts add up to 3 but count is 1"),
    ],
)
def test_malformed_distributions_are_named_not_crashed_on(options: dict, counts: list, reason: str) -> None:
    value = {"count": "1", "mean": 1.0, "bucketOptions": options, "bucketCounts": counts}
    with pytest.raises(DistributionError) as caught:
        histogram(value)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)
