"""The bad-input corpus: every file is refused with its own one-line message and the database is unchanged.

Files are generated here (none is committed); each case names the message it must produce. The
database already holds data, and its full contents are fingerprinted before and after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, RejectedFiles, import_files, mapping_from_json
from importers.problems import MAX_LINE_CHARS, MAX_LISTED
from tests.importers.conftest import SAMPLES, db_state, run_cli
from tests.importers.hostile_cases import HOSTILE

HEADER = "timestamp,service,resource,metric,value,period_s\n"
ROW = "2025-05-08T00:00:00Z,lambda,fn,invocations,5,3600\n"


def long(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(lines)).encode()


def latencies(bucket_options: dict, bucket_counts: list[str] | None = None) -> bytes:
    """A Cloud Run request-latency export whose one point has these bucket options."""
    point = {
        "interval": {"startTime": "2025-05-08T00:00:00Z", "endTime": "2025-05-08T01:00:00Z"},
        "value": {
            "distributionValue": {
                "count": "3",
                "mean": 12.5,
                "bucketOptions": bucket_options,
                "bucketCounts": bucket_counts if bucket_counts is not None else ["0", "3"],
            }
        },
    }
    series = {
        "metric": {"type": "run.googleapis.com/request_latencies"},
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "s", "location": "l", "project_id": "p"}},
        "metricKind": "DELTA",
        "points": [point],
    }
    return json.dumps({"timeSeries": [series]}).encode()


WHERE_POINT = "page 1, timeSeries[0].points[0]: distributionValue cannot be read: "


CASES: list[tuple[str, bytes, dict, str]] = [
    ("empty.csv", b"", {}, "is empty (0 bytes)"),
    ("blank.csv", b"  \n\n \n", {}, "holds only white space"),
    ("binary.csv", b"timestamp,service\x00\x01\x02", {}, "contains a NUL byte at byte 17"),
    ("workbook.csv", b"PK\x03\x04" + b"\x14" * 40, {}, "is a ZIP archive (an .xlsx workbook is one)"),
    ("utf16.csv", long(ROW).decode().encode("utf-16"), {}, "is UTF-16 text; save it as UTF-8"),
    (
        "latin1.csv",
        long("2025-05-08T00:00:00Z,lambda,caf\xe9,invocations,5,3600\n").decode().encode("latin-1"),
        {},
        "row 2, column resource: is not valid UTF-8 text",
    ),
    ("header-only.csv", HEADER.encode(), {}, "has a header but no data rows"),
    (
        "no-metric.csv",
        b"timestamp,service,resource,value\n2025-05-08,lambda,fn,1\n",
        {},
        "row 1: the header has no 'metric' column",
    ),
    (
        "twice.csv",
        b"timestamp,service,resource,metric,value,Value\n2025-05-08,lambda,fn,invocations,1,2\n",
        {},
        "row 1, column Value: appears twice in the header",
    ),
    (
        "bad-time.csv",
        long(ROW, "yesterday,lambda,fn,invocations,5,3600\n"),
        {},
        "row 3, column timestamp: 'yesterday' is not a timestamp",
    ),
    (
        "mixed-zones.csv",
        long(ROW, "2025-05-08 01:00:00,lambda,fn,invocations,5,3600\n"),
        {},
        "row 3, column timestamp: '2025-05-08 01:00:00' has no time zone but row 2",
    ),
    (
        "negative.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,-5,3600\n"),
        {},
        "row 2, column value: -5 is negative; invocations cannot be negative",
    ),
    (
        "text-value.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,n/a,3600\n"),
        {},
        "row 2, column value: 'n/a' is not a number",
    ),
    (
        "nan.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,NaN,3600\n"),
        {},
        "row 2, column value: 'NaN' is not a finite number",
    ),
    (
        "comma-decimal.csv",
        b"timestamp;service;resource;metric;value\n2025-05-08T00:00:00Z;lambda;fn;duration_ms_avg;1,5\n",
        {},
        "'1,5' is not a number (use a dot as the decimal separator)",
    ),
    (
        "service.csv",
        long("2025-05-08T00:00:00Z,lamda,fn,invocations,5,3600\n"),
        {},
        "row 2, column service: unknown service 'lamda'; known: lambda, sagemaker-endpoint",
    ),
    (
        "metric.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,Invocation Count,5,3600\n"),
        {},
        "row 2, column metric: unknown metric 'Invocation Count'; known: invocations",
    ),
    (
        "no-resource.csv",
        long("2025-05-08T00:00:00Z,lambda, ,invocations,5,3600\n"),
        {},
        "row 2, column resource: is empty",
    ),
    (
        "unit.csv",
        b"timestamp,service,resource,metric,value,unit\n2025-05-08T00:00:00Z,lambda,fn,duration_ms_avg,5,MB\n",
        {},
        "row 2, column unit: unit 'MB' does not fit duration_ms_avg, a duration: use ms, s, us or ns",
    ),
    (
        "period.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,5,sixty\n"),
        {},
        "row 2, column period_s: 'sixty' is not a whole number of seconds above 0",
    ),
    (
        "period-fraction.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,5,1.5\n"),
        {},
        "row 2, column period_s: '1.5' is not a whole number of seconds above 0",
    ),
    (
        "memory-fraction.csv",
        b"timestamp,service,resource,metric,value,memory_mb\n2025-05-08T00:00:00Z,lambda,fn,invocations,5,128.5\n",
        {},
        "row 2, column memory_mb: '128.5' is not a whole number of MB above 0",
    ),
    (
        "count-fraction.csv",
        b"timestamp,service,resource,metric,value,instance_count\n2025-05-08T00:00:00Z,lambda,fn,invocations,5,1.5\n",
        {},
        "row 2, column instance_count: '1.5' is not a whole number, 0 or more",
    ),
    (
        "percent.csv",
        long("2025-05-08T00:00:00Z,cloud-run,svc,cpu_utilization_pct_avg,340,3600\n"),
        {},
        "row 2, column value: 340 is above 100; cpu_utilization_pct_avg is a percentage",
    ),
    (
        "ragged.csv",
        long(ROW, "2025-05-08T01:00:00Z,lambda,fn,invocations,5,3600,extra\n"),
        {},
        "row 3: has 7 fields, the header has 6",
    ),
    (
        "quote.csv",
        long('2025-05-08T00:00:00Z,lambda,"fn,invocations,5,3600\n', ROW),
        {},
        "row 2, column resource: has a quote that is never closed",
    ),
    (
        "huge-line.csv",
        long(ROW, "2025-05-08T01:00:00Z,lambda," + "x" * 1_100_000 + ",invocations,5,3600\n"),
        {},
        "row 3: is longer than the 1024 KiB a row may have",
    ),
    (
        "conflict.csv",
        long(ROW, "2025-05-08T00:00:00Z,lambda,fn,invocations,6,3600\n"),
        {},
        "row 2, column value: invocations of lambda:::fn at 2025-05-08 00:00:00 (period 3600 s) "
        "is 5 here but 6 in row 3",
    ),
    ("too-big.csv", long(ROW * 50), {"max_bytes": 1000}, "is 0.0 MB, over the 0 MB limit for one file"),
    (
        "colon.csv",
        b"timestamp,service,resource,metric,value,account\n2025-05-08T00:00:00Z,lambda,fn,invocations,5,a:b\n",
        {},
        "row 2, column account: 'a:b' contains ':'",
    ),
    (
        "memory.csv",
        b"timestamp,service,resource,metric,value,memory_mb\n2025-05-08T00:00:00Z,lambda,fn,invocations,5,lots\n",
        {},
        "row 2, column memory_mb: 'lots' is not a whole number of MB above 0",
    ),
    (
        "arch.csv",
        b"timestamp,service,resource,metric,value,architecture\n2025-05-08T00:00:00Z,lambda,fn,invocations,5,sparc\n",
        {},
        "row 2, column architecture: 'sparc' is not an architecture; use x86_64 or arm64",
    ),
    ("other.json", b'{"rows": []}', {}, "is JSON but neither GetMetricData results"),
    ("queries.json", (SAMPLES / "cloudwatch-queries.json").read_bytes(), {}, "is a GetMetricData queries file"),
    ("broken.json", b'{"timeSeries": [{"metric": ', {}, "line 1, column 28: is not valid JSON"),
    (
        "li-bad.csv",
        b"@timestamp,@log,@duration\n2025-05-08 00:00:00.000,1:/aws/lambda/f,abc\n",
        {},
        "row 2, column @duration: 'abc' is not a number",
    ),
    (
        "li-latin1.csv",
        "@timestamp,@message\n2025-05-08 00:00:00.000,caf\xe9\n".encode("latin-1"),
        {},
        "line 2: byte 47 is not valid UTF-8 (0xe9)",
    ),
    (
        "li-account.csv",
        b"@timestamp,@log,@duration\n2025-05-08 00:00:00.000,1:2:/aws/lambda/f,12\n",
        {},
        "row 2, column @log: the account '1:2' contains ':', which Breakeven uses to join resource keys",
    ),
    (
        "li-group.csv",
        b"@timestamp,@log,@duration\n2025-05-08 00:00:00.000,1:/aws/ecs/svc,12\n",
        {},
        "row 2, column @log: log group '/aws/ecs/svc' is not a Lambda function's",
    ),
    (
        "gm-no-queries.json",
        (SAMPLES / "cloudwatch-get-metric-data.json").read_bytes(),
        {},
        "GetMetricData results need the queries file that produced them",
    ),
    (
        "ts-unknown.json",
        json.dumps(
            {
                "timeSeries": [
                    {
                        "metric": {"type": "compute.googleapis.com/instance/cpu"},
                        "resource": {"type": "gce_instance"},
                        "points": [],
                    }
                ]
            }
        ).encode(),
        {},
        "metric type 'compute.googleapis.com/instance/cpu' has no Breakeven metric",
    ),
    (
        "ts-project.json",
        json.dumps(
            {
                "timeSeries": [
                    {
                        "metric": {"type": "run.googleapis.com/request_count"},
                        "resource": {
                            "type": "cloud_run_revision",
                            "labels": {"service_name": "s", "location": "l", "project_id": "example.com:p"},
                        },
                        "metricKind": "DELTA",
                        "points": [
                            {
                                "interval": {"startTime": "2025-05-08T00:00:00Z", "endTime": "2025-05-08T01:00:00Z"},
                                "value": {"int64Value": "5"},
                            }
                        ],
                    }
                ]
            }
        ).encode(),
        {},
        "page 1, timeSeries[0]: project 'example.com:p' contains ':', which Breakeven uses to join resource keys",
    ),
    (
        "ts-no-bounds.json",
        latencies({"explicitBuckets": {"bounds": []}}),
        {},
        WHERE_POINT + "bucketOptions.explicitBuckets.bounds is missing or empty; give at least one bound",
    ),
    (
        "ts-exp-no-count.json",
        latencies({"exponentialBuckets": {"growthFactor": 2, "scale": 1}}),
        {},
        WHERE_POINT + "bucketOptions.exponentialBuckets.numFiniteBuckets is missing",
    ),
    (
        "ts-exp-text-count.json",
        latencies({"exponentialBuckets": {"numFiniteBuckets": "x", "growthFactor": 2, "scale": 1}}),
        {},
        WHERE_POINT + "bucketOptions.exponentialBuckets.numFiniteBuckets 'x' is not a number",
    ),
    (
        "ts-counts-sum.json",
        latencies({"explicitBuckets": {"bounds": [10, 20]}}, ["0", "1", "1"]),
        {},
        WHERE_POINT + "bucketCounts add up to 2 but count is 3",
    ),
    (
        "wide-percent.csv",
        b"Time,svc CPU\n2025-05-08 00:00,40\n2025-05-08 01:00,150\n",
        {
            "format": "wide",
            "mapping": mapping_from_json(
                {
                    "columns": {
                        "svc CPU": {"service": "cloud-run", "resource": "svc", "metric": "cpu_utilization_pct_avg"}
                    }
                },
                "m.json",
            ),
        },
        "row 3, column svc CPU: 150 is above 100; cpu_utilization_pct_avg is a percentage of the whole instance",
    ),
    (
        "wide-unmapped.csv",
        b"Time,fn Invocations\n2025-05-08 00:00,5\n",
        {"format": "wide"},
        "a wide CSV needs a mapping of its columns (fn Invocations)",
    ),
]


CORPUS = CASES + HOSTILE


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 70
    assert len({name for name, *_ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("name", "content", "options", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_file_is_refused_and_changes_nothing(
    sample_db: Path, tmp_path: Path, name: str, content: bytes, options: dict, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = db_state(sample_db)
    with pytest.raises(RejectedFiles) as caught:
        import_files(sample_db, [InputFile(path, name)], ImportOptions(**options))
    (rejection,) = caught.value.rejections
    lines = rejection.lines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(f"{name}") for line in lines)
    assert all("\n" not in line and len(line) <= MAX_LINE_CHARS for line in lines), [len(line) for line in lines]
    assert all("Traceback" not in line and "Error:" not in line for line in lines)
    assert db_state(sample_db) == before


def test_at_most_twenty_problems_are_listed_then_a_count(sample_db: Path, tmp_path: Path) -> None:
    bad = "".join(f"2025-05-08T{h:02d}:00:00Z,lambda,fn,invocations,oops,3600\n" for h in range(24))
    path = tmp_path / "many.csv"
    path.write_bytes(long(bad, "2025-05-09T00:00:00Z,lamda,fn,invocations,1,3600\n"))
    with pytest.raises(RejectedFiles) as caught:
        import_files(sample_db, [InputFile(path, "many.csv")], ImportOptions())
    (rejection,) = caught.value.rejections
    assert rejection.total == 25
    lines = rejection.lines()
    assert len(lines) == MAX_LISTED + 1
    assert lines[0] == "many.csv, row 2, column value: 'oops' is not a number"
    assert lines[-1] == "many.csv: … and 5 more problems not listed"


def test_one_bad_file_among_several_writes_none(sample_db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(long("2025-06-01T00:00:00Z,lambda,new-fn,invocations,5,3600\n"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(long("2025-06-01T00:00:00Z,lambda,new-fn,invocations,-1,3600\n"))
    before = db_state(sample_db)
    with pytest.raises(RejectedFiles) as caught:
        import_files(sample_db, [InputFile.from_path(good), InputFile.from_path(bad)], ImportOptions())
    assert [r.file_name for r in caught.value.rejections] == ["bad.csv"]
    assert caught.value.written == []
    assert db_state(sample_db) == before


def test_cli_prints_one_line_per_problem_then_one_error_line(sample_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(long("2025-05-08T00:00:00Z,lamda,fn,invocations,-1,3600\n"))
    before = db_state(sample_db)
    code, out, err = run_cli("import", str(path), "--db", str(sample_db))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[:-1] == [
        "bad.csv, row 2, column service: unknown service 'lamda'; known: lambda, sagemaker-endpoint, "
        "sagemaker-serverless, cloud-functions, cloud-run, vertex-endpoint",
        "bad.csv, row 2, column value: -1 is negative; invocations cannot be negative",
    ]
    assert lines[-1].startswith("error: bad.csv was rejected (2 problems; nothing was written): bad.csv, row 2")
    assert db_state(sample_db) == before
