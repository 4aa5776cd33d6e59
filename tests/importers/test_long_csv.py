"""The generic long CSV: values, units, periods, configuration, idempotence and upserts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, import_files, prepare
from store.writes import Batch, ConfigRecord, ResourceRecord, write_batch
from tests.importers.conftest import SAMPLES, db_state, metric_values, rows

LAMBDA = "lambda:111122223333:us-east-1:churn-scorer"
RUN = "cloud-run:acme-ml-prod:europe-west1:image-tagger"


def write(tmp_path: Path, name: str, text: str | bytes) -> InputFile:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return InputFile(path, name)


def test_sample_imports_every_row_with_units_converted(store_db: Path) -> None:
    (result,) = import_files(store_db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
    assert result.format == "long"
    assert result.rows == 60
    assert sorted(result.resources) == [RUN, LAMBDA]
    assert result.summary.inserted == 60
    assert metric_values(store_db, LAMBDA, "invocations")["2025-05-08 03:00"] == 1610
    # the file gives p99 in seconds (unit column "s"); the store keeps milliseconds
    assert metric_values(store_db, LAMBDA, "duration_ms_p99")["2025-05-08 00:00"] == pytest.approx(412.0)
    assert metric_values(store_db, RUN, "instances_avg")["2025-05-08 03:00"] == 3.25
    assert rows(store_db, "SELECT DISTINCT period_s FROM metrics") == [(3600,)]
    resources = rows(store_db, "SELECT service, account, region, name FROM resources ORDER BY 1")
    assert resources == [
        ("cloud-run", "acme-ml-prod", "europe-west1", "image-tagger"),
        ("lambda", "111122223333", "us-east-1", "churn-scorer"),
    ]
    config = rows(
        store_db, "SELECT memory_mb, architecture, valid_from FROM resource_config WHERE resource_id = ?", [LAMBDA]
    )
    assert [(c[0], c[1], c[2].isoformat()) for c in config] == [(1536, "x86_64", "2025-05-08T00:00:00")]
    upload = rows(store_db, "SELECT file_name, sha256, format, rows, resources FROM uploads")
    assert upload == [("long.csv", result.sha256, "long", 60, 2)]
    assert len(result.sha256) == 64


def test_same_file_twice_changes_nothing(store_db: Path) -> None:
    file = InputFile.from_path(SAMPLES / "long.csv")
    import_files(store_db, [file], ImportOptions())
    before = db_state(store_db)
    (again,) = import_files(store_db, [file], ImportOptions())
    assert again.already_imported
    assert again.summary.inserted == again.summary.updated == 0
    assert again.summary.unchanged == 60
    assert db_state(store_db) == before


def test_overlapping_files_upsert(store_db: Path, tmp_path: Path) -> None:
    import_files(store_db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
    count_before = rows(store_db, "SELECT count(*) FROM metrics")[0][0]
    overlap = write(
        tmp_path,
        "later.csv",
        "timestamp,service,resource,metric,value,period_s,region,account\n"
        "2025-05-08T05:00:00Z,lambda,churn-scorer,invocations,1500,3600,us-east-1,111122223333\n"
        "2025-05-08T06:00:00Z,lambda,churn-scorer,invocations,1450,3600,us-east-1,111122223333\n",
    )
    (result,) = import_files(store_db, [overlap], ImportOptions())
    assert (result.summary.inserted, result.summary.updated) == (1, 1)
    values = metric_values(store_db, LAMBDA, "invocations")
    assert values["2025-05-08 05:00"] == 1500  # the later file wins
    assert values["2025-05-08 06:00"] == 1450
    assert rows(store_db, "SELECT count(*) FROM metrics")[0][0] == count_before + 1
    assert rows(store_db, "SELECT count(*) FROM uploads")[0][0] == 2


def test_period_inferred_from_each_series_else_default(store_db: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "noperiod.csv",
        "timestamp,service,resource,metric,value\n"
        "2025-05-08 00:00:00,lambda,a,invocations,1\n"
        "2025-05-08 00:05:00,lambda,a,invocations,2\n"
        "2025-05-08 00:15:00,lambda,a,invocations,3\n"  # a gap: the smallest spacing is the period
        "2025-05-08 00:00:00,lambda,b,invocations,7\n",
    )
    import_files(store_db, [file], ImportOptions(account="123456789012", region="eu-west-1"))
    periods = rows(store_db, "SELECT resource_id, min(period_s), max(period_s) FROM metrics GROUP BY 1 ORDER BY 1")
    assert periods == [
        ("lambda:123456789012:eu-west-1:a", 300, 300),
        ("lambda:123456789012:eu-west-1:b", 3600, 3600),
    ]


def test_time_zones_are_converted_and_naive_times_are_utc(store_db: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "zones.csv",
        "timestamp,service,resource,metric,value,period_s\n"
        "2025-05-08T02:00:00+02:00,lambda,z,invocations,1,3600\n"
        "2025-05-07T20:00:00-05:00,lambda,z,errors,1,3600\n"
        "2025-05-08T00:00:00Z,lambda,z,throttles,1,3600\n",
    )
    import_files(store_db, [file], ImportOptions())
    assert metric_values(store_db, "lambda:::z", "invocations") == {"2025-05-08 00:00": 1.0}
    assert metric_values(store_db, "lambda:::z", "errors") == {"2025-05-08 01:00": 1.0}


def test_bom_semicolons_case_spaces_and_leading_zero_accounts(store_db: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "excel.csv",
        "\ufeffTimestamp; Service ;Resource;Metric;Value;Account;Region;Comment\n"
        "2025-05-08 00:00; Lambda ;fn;Invocations; 12 ;012345678901;us-east-1;first\n",
    )
    prepared = prepare(file, ImportOptions())
    assert prepared.format == "long"
    assert prepared.notes[0] == "ignored column(s) not in the long format: Comment"
    import_files(store_db, [file], ImportOptions())
    assert rows(store_db, "SELECT resource_id, metric, value FROM metrics") == [
        ("lambda:012345678901:us-east-1:fn", "invocations", 12.0)
    ]


def test_formula_guard_is_undone_on_import(store_db: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "guarded.csv",
        "timestamp,service,resource,metric,value\n"
        "2025-05-08T00:00:00Z,lambda,'-dash-fn,invocations,1\n"
        "2025-05-08T00:00:00Z,lambda,'=sum,invocations,2\n"
        "2025-05-08T00:00:00Z,lambda,''quoted,invocations,3\n"
        "2025-05-08T00:00:00Z,lambda,'plain,invocations,4\n",
    )
    import_files(store_db, [file], ImportOptions())
    names = rows(store_db, "SELECT name FROM resources ORDER BY name")
    assert [n[0] for n in names] == ["'plain", "'quoted", "-dash-fn", "=sum"]


def test_import_keeps_stored_configuration_fields(store_db: Path, tmp_path: Path) -> None:
    rid = "lambda:111122223333:us-east-1:fn"
    write_batch(
        store_db,
        Batch(
            resources=[ResourceRecord("lambda", "111122223333", "us-east-1", "fn")],
            configs=[ConfigRecord(rid, datetime(2025, 1, 1), {"memory_mb": 512, "timeout_s": 30}, "aws")],
        ),
    )
    file = write(
        tmp_path,
        "mem.csv",
        "timestamp,service,resource,metric,value,region,account,memory_mb\n"
        "2025-05-08T00:00:00Z,lambda,fn,invocations,1,us-east-1,111122223333,1024\n"
        "2025-05-08T01:00:00Z,lambda,fn,invocations,1,us-east-1,111122223333,\n",
    )
    import_files(store_db, [file], ImportOptions())
    history = rows(
        store_db, "SELECT memory_mb, timeout_s FROM resource_config WHERE resource_id = ? ORDER BY valid_from", [rid]
    )
    assert history == [(512, 30), (1024, 30)]


def test_last_non_empty_configuration_value_wins(store_db: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "cfg.csv",
        "timestamp,service,resource,metric,value,instance_type,instance_count\n"
        "2025-05-08T00:00:00Z,sagemaker-endpoint,ep,invocations,5,ml.m5.large,1\n"
        "2025-05-08T01:00:00Z,sagemaker-endpoint,ep,invocations,6,ml.m5.xlarge,\n"
        "2025-05-08T02:00:00Z,sagemaker-endpoint,ep,invocations,7,,2\n",
    )
    import_files(store_db, [file], ImportOptions())
    assert rows(store_db, "SELECT instance_type, instance_count FROM resource_config") == [("ml.m5.xlarge", 2)]


def test_exact_repeats_are_kept_once(store_db: Path, tmp_path: Path) -> None:
    line = "2025-05-08T00:00:00Z,lambda,fn,invocations,5,3600\n"
    file = write(tmp_path, "dup.csv", "timestamp,service,resource,metric,value,period_s\n" + line + line)
    (result,) = import_files(store_db, [file], ImportOptions())
    assert result.summary.metric_rows == 1
    assert rows(store_db, "SELECT count(*) FROM metrics") == [(1,)]


def test_preview_and_progress(tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    prepared = prepare(
        InputFile.from_path(SAMPLES / "long.csv"), ImportOptions(), progress=lambda f, s: seen.append((f, s))
    )
    assert prepared.checked and prepared.rows == 60 and prepared.metric_rows == 60
    preview = prepared.preview(5)
    assert list(preview.columns) == ["resource_id", "metric", "period_start", "period_s", "value"]
    assert len(preview) == 5
    assert prepared.rows_per_metric()["invocations"] == 12
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_local_time_that_does_not_start_a_period_is_refused_by_row(tmp_path, store_db) -> None:
    from importers import RejectedFiles

    path = tmp_path / "local.csv"
    path.write_text(
        "timestamp,service,resource,metric,value,period_s\n"
        "2026-01-01 00:00:00,lambda,fn,invocations,5,3600\n"
        "2026-01-01 05:30:00,lambda,fn,invocations,5,3600\n"  # a local (India) time written without its zone
    )
    before = db_state(store_db)
    with pytest.raises(RejectedFiles) as caught:
        import_files(store_db, [InputFile.from_path(path)], ImportOptions())
    lines = [line for r in caught.value.rejections for line in r.lines()]
    assert any("row 3, column timestamp" in line and "does not start a period" in line for line in lines), lines
    assert db_state(store_db) == before


def test_whole_numbers_written_with_a_decimal_point_are_taken_exactly(store_db: Path, tmp_path: Path) -> None:
    text = (
        "timestamp,service,resource,metric,value,period_s,memory_mb,instance_count\n"
        "2025-05-08T00:00:00Z,lambda,fn,invocations,5,3600.0,128.0,2.00\n"
    )
    import_files(store_db, [write(tmp_path, "dotted.csv", text)], ImportOptions())
    assert rows(store_db, "SELECT period_s FROM metrics") == [(3600,)]
    assert rows(store_db, "SELECT memory_mb, instance_count FROM resource_config") == [(128, 2)]
