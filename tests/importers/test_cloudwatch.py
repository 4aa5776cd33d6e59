"""CloudWatch GetMetricData results + the queries file: mapping, units, variants, pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, RejectedFiles, import_files, prepare
from tests.importers.conftest import SAMPLES, db_state, metric_values, rows

FN = "lambda:111122223333:us-east-1:churn-scorer"
EP = "sagemaker-endpoint:111122223333:us-east-1:reco-endpoint"


def options(queries: Path = SAMPLES / "cloudwatch-queries.json") -> ImportOptions:
    return ImportOptions(queries=queries, account="111122223333", region="us-east-1")


def test_sample_maps_lambda_and_sagemaker(store_db: Path) -> None:
    file = InputFile.from_path(SAMPLES / "cloudwatch-get-metric-data.json")
    (result,) = import_files(store_db, [file], options())
    assert result.format == "cloudwatch-json"
    assert result.rows == 40  # data points read
    assert sorted(result.resources) == [FN, EP]
    assert metric_values(store_db, FN, "invocations") == {
        "2025-05-08 00:00": 1200,
        "2025-05-08 01:00": 1350,
        "2025-05-08 02:00": 980,
        "2025-05-08 03:00": 1610,
    }
    assert metric_values(store_db, FN, "duration_ms_p99")["2025-05-08 02:00"] == 455.0
    assert metric_values(store_db, FN, "concurrency_max")["2025-05-08 03:00"] == 7.0
    # SageMaker: 4XX + 5XX errors; ModelLatency and OverheadLatency are microseconds
    assert metric_values(store_db, EP, "errors") == {
        "2025-05-08 00:00": 5.0,
        "2025-05-08 01:00": 2.0,
        "2025-05-08 02:00": 8.0,
        "2025-05-08 03:00": 13.0,
    }
    assert metric_values(store_db, EP, "duration_ms_avg")["2025-05-08 03:00"] == pytest.approx(48.2105)
    assert metric_values(store_db, EP, "overhead_latency_ms_avg")["2025-05-08 00:00"] == pytest.approx(2.0127)
    assert rows(store_db, "SELECT DISTINCT period_s FROM metrics") == [(3600,)]
    assert rows(store_db, "SELECT service FROM resources WHERE name = 'reco-endpoint'") == [("sagemaker-endpoint",)]


def test_pages_concatenated_and_overlapping_points_are_read_once(store_db: Path, tmp_path: Path) -> None:
    document = json.loads((SAMPLES / "cloudwatch-get-metric-data.json").read_text())
    first = {"MetricDataResults": [], "NextToken": "t"}
    second = {"MetricDataResults": [], "Messages": []}
    for result in document["MetricDataResults"]:
        head = dict(result, Timestamps=result["Timestamps"][:3], Values=result["Values"][:3], StatusCode="PartialData")
        tail = dict(result, Timestamps=result["Timestamps"][2:], Values=result["Values"][2:])
        first["MetricDataResults"].append(head)
        second["MetricDataResults"].append(tail)
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second))
    prepared = prepare(InputFile.from_path(path), options())
    assert (
        prepared.metric_rows
        == prepare(InputFile.from_path(SAMPLES / "cloudwatch-get-metric-data.json"), options()).metric_rows
    )
    assert any("PartialData" in note for note in prepared.notes)
    import_files(store_db, [InputFile.from_path(path)], options())
    assert metric_values(store_db, FN, "invocations")["2025-05-08 01:00"] == 1350


def test_variants_of_an_endpoint_combine_and_serverless_is_recognised(tmp_path: Path) -> None:
    def q(qid: str, metric: str, variant: str, stat: str) -> dict:
        dims = [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": variant}]
        return {
            "Id": qid,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": metric, "Dimensions": dims},
                "Period": 60,
                "Stat": stat,
            },
        }

    queries = [
        q("ia", "Invocations", "A", "Sum"),
        q("ib", "Invocations", "B", "Sum"),
        q("la", "ModelLatency", "A", "Average"),
        q("lb", "ModelLatency", "B", "Average"),
        q("sa", "ModelSetupTime", "A", "SampleCount"),
    ]
    stamp = ["2025-05-08T00:00:00Z"]
    results = {
        "MetricDataResults": [
            {"Id": "ia", "Timestamps": stamp, "Values": [300]},
            {"Id": "ib", "Timestamps": stamp, "Values": [100]},
            {"Id": "la", "Timestamps": stamp, "Values": [10_000]},
            {"Id": "lb", "Timestamps": stamp, "Values": [30_000]},
            {"Id": "sa", "Timestamps": stamp, "Values": [2]},
        ]
    }
    qpath, rpath = tmp_path / "q.json", tmp_path / "r.json"
    qpath.write_text(json.dumps({"MetricDataQueries": queries}))
    rpath.write_text(json.dumps(results))
    prepared = prepare(InputFile.from_path(rpath), ImportOptions(queries=qpath))
    table = {(r["metric"]): r["value"] for r in prepared.parsed.metrics.to_pylist()}
    assert table["invocations"] == 400
    assert table["duration_ms_avg"] == pytest.approx((10 * 300 + 30 * 100) / 400)  # weighted by invocations
    assert table["cold_starts"] == 2
    assert [r.service for r in prepared.resources] == ["sagemaker-serverless"]
    assert prepared.parsed.metrics.column("period_s").to_pylist() == [60, 60, 60]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"Id": "x", "Expression": "m1 * 2"}, "query x: is not a MetricStat query"),
        (
            {
                "Id": "x",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": "Duration",
                        "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            },
            "result x: AWS/Lambda Duration Maximum has no Breakeven metric",
        ),
        (
            {
                "Id": "x",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": "Invocations",
                        "Dimensions": [{"Name": "FunctionName", "Value": "f"}, {"Name": "Resource", "Value": "f:prod"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            },
            "result x: has dimensions ['FunctionName', 'Resource']",
        ),
        (
            {
                "Id": "x",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "MetricName": "CPUUtilization",
                        "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "v"}],
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
            },
            "result x: CPUUtilization is summed over",
        ),
        (
            {
                "Id": "x",
                "AccountId": "1111:2222",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": "Invocations",
                        "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            },
            "q.json, query x: AccountId '1111:2222' contains ':', which Breakeven uses to join resource keys",
        ),
    ],
)
def test_queries_that_cannot_be_mapped_are_refused_by_id(tmp_path: Path, query: dict, expected: str) -> None:
    qpath, rpath = tmp_path / "q.json", tmp_path / "r.json"
    qpath.write_text(json.dumps([query]))
    rpath.write_text(
        json.dumps({"MetricDataResults": [{"Id": "x", "Timestamps": ["2025-05-08T00:00:00Z"], "Values": [1]}]})
    )
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(rpath)], ImportOptions(queries=qpath))
    lines = caught.value.rejections[0].lines()
    assert any(expected in line for line in lines), lines
    assert not (tmp_path / "db.duckdb").exists()


def test_result_without_a_query_is_named(tmp_path: Path) -> None:
    rpath = tmp_path / "r.json"
    rpath.write_text(json.dumps({"MetricDataResults": [{"Id": "zz", "Timestamps": [], "Values": []}]}))
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(rpath)], options())
    assert caught.value.rejections[0].lines() == ["r.json, result zz: has no query with this Id in the queries file"]


def test_a_daylight_saving_night_loses_no_point_on_a_host_in_europe(tmp_path, store_db, monkeypatch) -> None:
    import json
    import time

    from importers import ImportOptions, InputFile, import_files
    from tests.importers.conftest import metric_values

    queries = [
        {
            "Id": "inv",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "fn"}],
                },
                "Period": 3600,
                "Stat": "Sum",
            },
        }
    ]
    stamps = ["2025-03-30T03:00:00+00:00", "2025-03-30T02:00:00+00:00", "2025-03-30T01:00:00+00:00"]
    results = {
        "MetricDataResults": [
            {
                "Id": "inv",
                "Label": "Invocations",
                "Timestamps": stamps,
                "Values": [7.0, 7.0, 5.0],
                "StatusCode": "Complete",
            }
        ],
        "Messages": [],
    }
    (tmp_path / "q.json").write_text(json.dumps(queries))
    (tmp_path / "r.json").write_text(json.dumps(results))
    monkeypatch.setenv("TZ", "Europe/Berlin")  # 02:00 local does not exist on 2025-03-30
    time.tzset()
    try:
        import_files(
            store_db,
            [InputFile.from_path(tmp_path / "r.json")],
            ImportOptions(queries=tmp_path / "q.json", region="us-east-1", account="1"),
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    values = metric_values(store_db, "lambda:1:us-east-1:fn", "invocations")
    assert values == {"2025-03-30 01:00": 5.0, "2025-03-30 02:00": 7.0, "2025-03-30 03:00": 7.0}


def test_a_percentage_above_100_is_refused_by_place(tmp_path: Path, store_db: Path) -> None:
    query = {
        "Id": "mem",
        "MetricStat": {
            "Metric": {
                "Namespace": "/aws/sagemaker/Endpoints",
                "MetricName": "MemoryUtilization",
                "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "v"}],
            },
            "Period": 3600,
            "Stat": "Average",
        },
    }
    qpath, rpath = tmp_path / "q.json", tmp_path / "r.json"
    qpath.write_text(json.dumps([query]))
    rpath.write_text(
        json.dumps(
            {
                "MetricDataResults": [
                    {"Id": "mem", "Timestamps": ["2025-05-08T01:00:00Z", "2025-05-08T00:00:00Z"], "Values": [150, 40]}
                ]
            }
        )
    )
    before = db_state(store_db)
    with pytest.raises(RejectedFiles) as caught:
        import_files(store_db, [InputFile.from_path(rpath)], ImportOptions(queries=qpath, account="1", region="r"))
    lines = caught.value.rejections[0].lines()
    assert len(lines) == 1 and lines[0].startswith("r.json, result mem")
    assert "150 is above 100; memory_utilization_pct_avg is a percentage of the whole instance (0-100)" in lines[0]
    assert db_state(store_db) == before
