"""Logs Insights CSV of Lambda REPORT lines: both shapes, SnapStart, JSON records, memory history; and the one
REPORT-line parser, which the collector's Logs Insights query is checked against too."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, RejectedFiles, import_files, prepare
from importers.report_lines import parse_report
from tests.importers.conftest import SAMPLES, metric_values, rows

FN = "lambda:111122223333:us-east-1:churn-scorer"


def test_field_form_aggregates_per_hour(store_db: Path) -> None:
    file = InputFile.from_path(SAMPLES / "logs-insights-report-fields.csv")
    (result,) = import_files(store_db, [file], ImportOptions(region="us-east-1"))
    assert result.format == "logs-insights"
    assert result.resources == [FN]
    assert metric_values(store_db, FN, "invocations") == {"2025-05-08 00:00": 5, "2025-05-08 01:00": 3}
    assert metric_values(store_db, FN, "cold_starts") == {"2025-05-08 00:00": 1, "2025-05-08 01:00": 1}
    assert metric_values(store_db, FN, "init_duration_ms_avg") == {
        "2025-05-08 00:00": 1803.22,
        "2025-05-08 01:00": 1751.5,
    }
    assert metric_values(store_db, FN, "billed_duration_ms_sum") == {"2025-05-08 00:00": 2465, "2025-05-08 01:00": 2091}
    hour0 = {
        m: metric_values(store_db, FN, m)["2025-05-08 00:00"]
        for m in ("duration_ms_avg", "duration_ms_p50", "duration_ms_p90", "duration_ms_p99")
    }
    # durations 128.51, 130.00, 141.07, 150.49, 1912.40; percentiles interpolate between closest ranks
    assert hour0["duration_ms_avg"] == pytest.approx(2462.47 / 5)
    assert hour0["duration_ms_p50"] == pytest.approx(141.07)
    assert hour0["duration_ms_p90"] == pytest.approx(150.49 + 0.6 * (1912.40 - 150.49))
    assert hour0["duration_ms_p99"] == pytest.approx(150.49 + 0.96 * (1912.40 - 150.49))
    assert rows(store_db, "SELECT DISTINCT period_s FROM metrics") == [(3600,)]
    # @memorySize is in bytes (1536 MiB, then 2048 MiB from 01:00)
    history = rows(
        store_db, "SELECT strftime(valid_from, '%H:%M:%S'), memory_mb FROM resource_config ORDER BY valid_from"
    )
    assert history == [("00:00:02", 1536), ("01:00:00", 2048)]


def test_message_form_with_snapstart_json_and_noise(store_db: Path) -> None:
    file = InputFile.from_path(SAMPLES / "logs-insights-report-messages.csv")
    prepared = prepare(file, ImportOptions(region="eu-west-1", period_s=600))
    assert "skipped 3 rows that are not REPORT lines" in prepared.notes
    import_files(store_db, [file], ImportOptions(region="eu-west-1", period_s=600))
    embedder = "lambda:111122223333:eu-west-1:embedder"
    java = "lambda:111122223333:eu-west-1:java-scorer"
    assert metric_values(store_db, embedder, "invocations") == {
        "2025-05-08 00:00": 1,
        "2025-05-08 00:10": 1,
        "2025-05-08 00:20": 1,
    }
    assert metric_values(store_db, embedder, "init_duration_ms_avg") == {
        "2025-05-08 00:00": 2410.10,
        "2025-05-08 00:10": 2390.0,
    }
    # SnapStart: the restore is the cold start; the JSON platform.report line counts like a text one
    assert metric_values(store_db, java, "invocations") == {"2025-05-08 00:00": 3}
    assert metric_values(store_db, java, "cold_starts") == {"2025-05-08 00:00": 1}
    assert metric_values(store_db, java, "init_duration_ms_avg") == {"2025-05-08 00:00": 310.25}
    assert metric_values(store_db, java, "billed_duration_ms_sum") == {"2025-05-08 00:00": 96 + 21 + 31}
    memory = dict(rows(store_db, "SELECT resource_id, memory_mb FROM resource_config"))
    assert memory == {embedder: 3008, java: 1024}


def test_function_from_the_option_when_there_is_no_log_column(tmp_path: Path) -> None:
    path = tmp_path / "logs-insights-results.csv"
    path.write_text(
        "@timestamp,@duration,@billedDuration\n2025-05-08 00:00:00.000,10,10\n2025-05-08 00:30:00.000,20,20\n"
    )
    with pytest.raises(RejectedFiles) as caught:
        import_files(tmp_path / "db.duckdb", [InputFile.from_path(path)], ImportOptions())
    assert (
        "no @log value: add @log to the query's fields, or name the function (--resource NAME)"
        in caught.value.rejections[0].lines()[0]
    )
    prepared = prepare(
        InputFile.from_path(path), ImportOptions(resource="fn", account="999988887777", region="us-west-2")
    )
    assert [r.resource_id for r in prepared.resources] == ["lambda:999988887777:us-west-2:fn"]
    assert {r["metric"]: r["value"] for r in prepared.parsed.metrics.to_pylist()}["duration_ms_avg"] == 15


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "REPORT RequestId: a\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 56 MB\tInit Duration: 130.49 ms",
            {"duration_ms": 15.74, "billed_ms": 16, "memory_mb": 128, "init_ms": 130.49},
        ),
        (
            "REPORT RequestId: a  Duration: 15.74 ms  Billed Duration: 16 ms Memory Size: 128 MB "
            "Max Memory Used: 56 MB",
            {"duration_ms": 15.74, "billed_ms": 16, "max_memory_mb": 56, "init_ms": None},
        ),
        (
            "REPORT RequestId: a\tInit Duration: 2.5 ms\tDuration: 1.0 ms\tBilled Duration: 4 ms",
            {"init_ms": 2.5, "duration_ms": 1.0},
        ),
        (  # SnapStart: no Init Duration; the restore is the cold start (AWS snapstart-monitoring)
            "REPORT RequestId: 3\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 1024 MB\t"
            "Max Memory Used: 90 MB\tRestore Duration: 300.50 ms\tBilled Restore Duration: 301 ms",
            {
                "restore_ms": 300.5,
                "billed_restore_ms": 301,
                "init_ms": None,
                "cold_start": True,
                "cold_start_ms": 300.5,
            },
        ),
        (  # LoggingConfig.LogFormat = JSON
            '{"time": "2026-11-28T10:01:00.000Z", "type": "platform.report", "record": {"requestId": "4", '
            '"metrics": {"durationMs": 30.0, "billedDurationMs": 31, "memorySizeMB": 256, "initDurationMs": 150.0}}}',
            {"duration_ms": 30.0, "billed_ms": 31, "memory_mb": 256, "cold_start_ms": 150.0},
        ),
        (
            "REPORT RequestId: 1\tDuration: 4.20 ms\tBilled Duration: 5 ms",
            {"cold_start": False, "cold_start_ms": None},
        ),
        ("START RequestId: a Version: $LATEST", None),
        ('{"type": "platform.start", "record": {}}', None),
    ],
)
def test_report_lines_are_read_by_label(line: str, expected: dict | None) -> None:
    report = parse_report(line)
    if expected is None:
        assert report is None
        return
    for key, value in expected.items():
        assert getattr(report, key) == value
