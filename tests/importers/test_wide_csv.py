"""Wide console CSVs: header search, time forms, units in headers, the mapping and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.metrics import METRICS
from importers import (
    ImportOptions,
    InputFile,
    RejectedFiles,
    guess_mapping,
    import_files,
    load_mapping,
    mapping_from_json,
    prepare,
)
from importers.problems import ImportRejected
from importers.timeparse import parse_loose
from tests.importers.conftest import SAMPLES, metric_values, rows

FN = "lambda:111122223333:us-east-1:churn-scorer"
EP = "sagemaker-endpoint:111122223333:us-east-1:reco-endpoint"


def test_sample_with_its_mapping(store_db: Path) -> None:
    options = ImportOptions(mapping=load_mapping(SAMPLES / "wide-mapping.json"))
    prepared = prepare(InputFile.from_path(SAMPLES / "wide-console.csv"), options)
    assert prepared.format == "wide"
    assert "skipped 3 line(s) before the header" in prepared.notes
    assert "columns skipped by the mapping: Label" in prepared.notes
    import_files(store_db, [InputFile.from_path(SAMPLES / "wide-console.csv")], options)
    assert metric_values(store_db, FN, "invocations") == {
        "2025-05-08 00:00": 1200,
        "2025-05-08 01:00": 1350,
        "2025-05-08 02:00": 980,
        "2025-05-08 03:00": 1610,
    }
    # "(Microseconds)" in the header converts to ms; the empty cell at 02:00 is a period without data
    assert metric_values(store_db, EP, "duration_ms_avg") == pytest.approx(
        {"2025-05-08 00:00": 48.5, "2025-05-08 01:00": 49.1023, "2025-05-08 03:00": 48.2105}
    )
    assert rows(store_db, "SELECT DISTINCT period_s FROM metrics") == [(3600,)]


def test_day_first_dates_zone_and_inferred_period(store_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "chart.csv"
    path.write_text("Date;Latency [s]\n25/05/2025 10:00;0.5\n25/05/2025 10:05;0.25\n")
    mapping = mapping_from_json(
        {
            "timezone": "Europe/Paris",
            "service": "cloud-run",
            "region": "europe-west1",
            "columns": {"Latency [s]": {"resource": "svc", "metric": "duration_ms_avg"}},
        },
        "mapping.json",
    )
    import_files(store_db, [InputFile.from_path(path)], ImportOptions(format="wide", mapping=mapping))
    assert rows(
        store_db, "SELECT strftime(period_start, '%Y-%m-%d %H:%M'), period_s, value FROM metrics ORDER BY 1"
    ) == [
        ("2025-05-25 08:00", 300, 500.0),
        ("2025-05-25 08:05", 300, 250.0),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-05-08 04:11:31.234", "2025-05-08T04:11:31.234000"),
        ("2025-05-08T04:11:31Z", "2025-05-08T04:11:31+00:00"),
        ("2025/05/08 04:11", "2025-05-08T04:11:00"),
        ("05/08/2025 04:11", "2025-05-08T04:11:00"),
        ("May 8, 2025 04:11", "2025-05-08T04:11:00"),
        ("2025-05-08 04:11 UTC", "2025-05-08T04:11:00+00:00"),
        ("2025-05-08 06:11 GMT+02:00", "2025-05-08T06:11:00+02:00"),
        ("1746677491", "2025-05-08T04:11:31+00:00"),
        ("1746677491000", "2025-05-08T04:11:31+00:00"),
    ],
)
def test_console_time_forms(text: str, expected: str) -> None:
    assert parse_loose(text).isoformat() == expected


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"columns": {}}, "column churn-scorer Invocations: is not in the mapping"),
        (
            {
                "columns": {
                    "churn-scorer Invocations": None,
                    "churn-scorer Duration (ms)": None,
                    "reco-endpoint ModelLatency (Microseconds)": None,
                    "Label": None,
                    "Gone": None,
                }
            },
            "the mapping names column 'Gone', which the file does not have",
        ),
        (
            {
                "columns": {
                    "churn-scorer Invocations": None,
                    "churn-scorer Duration (ms)": None,
                    "Label": None,
                    "reco-endpoint ModelLatency (Microseconds)": {
                        "service": "sagemaker-endpoint",
                        "resource": "e",
                        "metric": "invocations",
                    },
                }
            },
            "column reco-endpoint ModelLatency (Microseconds): unit 'Microseconds' does not fit invocations",
        ),
    ],
)
def test_mapping_problems_are_named(tmp_path: Path, mapping: dict, expected: str) -> None:
    options = ImportOptions(mapping=mapping_from_json(mapping, "m.json"))
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(SAMPLES / "wide-console.csv")], options)
    lines = caught.value.rejections[0].lines()
    assert any(expected in line for line in lines), lines


def test_a_mapped_region_with_a_colon_is_named() -> None:
    mapping = {
        "columns": {"Invocations": {"service": "lambda", "resource": "f", "metric": "invocations", "region": "eu:w"}}
    }
    with pytest.raises(ImportRejected) as caught:
        mapping_from_json(mapping, "m.json")
    assert caught.value.lines() == [
        "m.json, columns.Invocations: region 'eu:w' contains ':', which Breakeven uses to join resource keys "
        "(service:account:region:name)"
    ]


def test_mapping_file_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"period_s": -5, "columns": {"a": {"service": "ec2", "resource": "", "metric": "x"}}}))
    with pytest.raises(ImportRejected) as caught:
        load_mapping(path)
    assert caught.value.lines() == [
        "m.json, period_s: -5 is not a whole number of seconds above 0",
        "m.json, columns.a: unknown service 'ec2'; known: lambda, sagemaker-endpoint, sagemaker-serverless, "
        "cloud-functions, cloud-run, vertex-endpoint",
        f"m.json, columns.a: unknown metric 'x'; known: {', '.join(METRICS)}",
        "m.json, columns.a: has no resource name",
    ]


def test_guessed_mapping_is_only_a_proposal() -> None:
    guess = guess_mapping(
        ["fraud-score Invocations", "fraud-score Duration p99 (ms)", "my-ep ModelLatency", "Replicas"], "Time", "lambda"
    )
    got = {name: (c.resource, c.metric) for name, c in guess.columns.items()}
    assert got == {
        "fraud-score Invocations": ("fraud-score", "invocations"),
        "fraud-score Duration p99 (ms)": ("fraud-score", "duration_ms_p99"),
        "my-ep ModelLatency": ("my-ep", "duration_ms_avg"),
        "Replicas": ("", "instances_avg"),
    }
