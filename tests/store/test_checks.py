"""The store checks a batch completely, in memory, before it opens any file; and writes configuration set-wise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from common.timeutil import utc_now
from store import BatchError, connect
from store.checks import DuplicateKeyError, check_batch
from store.writes import Batch, ConfigRecord, metrics_frame, write_batch
from tests.store.helpers import FN, hourly_batch, snapshot

T0 = datetime(2026, 1, 1)


def row(start: datetime = T0, period_s: int = 3600, value: float = 1.0, metric: str = "invocations") -> tuple:
    return (FN.resource_id, metric, start, period_s, value, "t")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(start=datetime(2005, 12, 31, 23)), "invocations of .*: 2005-12-31 23:00:00 is before 2006"),
        (row(start=datetime(9999, 1, 1)), "9999-01-01 00:00:00 is more than a day in the future"),
        (row(period_s=0), r"invalid value 1\.0 for invocations .* \(period 0 s\)"),
        (row(period_s=-60), r"\(period -60 s\)"),
        (row(value=float("inf")), "invalid value inf"),
    ],
)
def test_a_refused_batch_never_creates_the_database(tmp_path: Path, bad: tuple, message: str) -> None:
    """Period 0 is refused in words (it used to reach DuckDB's modulo: 'Division by zero ... Use TRY(...)')."""
    db = tmp_path / "new" / "breakeven.duckdb"
    with pytest.raises(BatchError, match=message) as caught:
        write_batch(db, Batch(resources=[FN], metrics=metrics_frame([row(), bad])))
    assert "Division" not in str(caught.value) and "\n" not in str(caught.value)
    assert not db.exists() and not db.parent.exists()


def test_a_row_python_cannot_hold_is_refused_in_words(tmp_path: Path) -> None:
    """Year 0 reaches the store only from Arrow or DuckDB (Python has no year 0); the message says what it is."""
    table = metrics_frame([row()]).set_column(
        2,
        "period_start",
        pa.array([-62_167_219_200_000_000], pa.timestamp("us")),  # 0000-01-01
    )
    with pytest.raises(BatchError, match="outside the years a timestamp may have"):
        check_batch(Batch(resources=[FN], metrics=table))


def test_a_metric_table_may_be_a_reader_or_a_frame_with_zoned_times(empty_db: Path) -> None:
    table = metrics_frame([row(), row(T0 + timedelta(hours=1), value=2.0)])
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1))
    assert write_batch(empty_db, Batch(resources=[FN], metrics=reader)).inserted == 2
    frame = table.to_pandas().assign(period_start=lambda d: d["period_start"].dt.tz_localize("UTC"))
    frame["period_start"] = frame["period_start"].dt.tz_convert("America/New_York")  # the same instants
    summary = write_batch(empty_db, Batch(resources=[FN], metrics=frame))
    assert (summary.inserted, summary.unchanged) == (0, 2)


def test_a_column_of_the_wrong_type_is_one_line(empty_db: Path) -> None:
    frame = pd.DataFrame({**metrics_frame([row()]).to_pydict(), "period_s": [1.5]})
    with pytest.raises(BatchError, match="the metric column period_s cannot be read as int32"):
        write_batch(empty_db, Batch(resources=[FN], metrics=frame))


def test_two_values_for_one_key_is_its_own_error(empty_db: Path) -> None:
    with pytest.raises(DuplicateKeyError, match="2 different values for invocations"):
        check_batch(Batch(resources=[FN], metrics=metrics_frame([row(value=1.0), row(value=2.0)])))


def test_metrics_of_an_unknown_resource_are_refused_without_creating_the_file(tmp_path: Path) -> None:
    db = tmp_path / "absent.duckdb"
    with pytest.raises(BatchError, match="neither in the batch nor stored"):
        write_batch(db, Batch(metrics=metrics_frame([row()])))
    assert not db.exists()


def test_metrics_of_a_stored_resource_need_not_describe_it_again(empty_db: Path) -> None:
    write_batch(empty_db, hourly_batch(1))
    assert write_batch(empty_db, Batch(metrics=metrics_frame([row(T0 + timedelta(days=3))]))).inserted == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"memori_mb": 1024}, r"unknown configuration field\(s\) \['memori_mb'\]"),
        ({"memory_mb": "lots"}, "configuration field memory_mb of .*: 'lots' is not a number"),
        ({"memory_mb": 1.5}, "is not a whole number"),
        ({"vcpu": float("nan")}, "is not a finite number of 0 or more"),
        ({"architecture": "sparc"}, "is not an architecture"),
        ({"instance_type": 5}, "is not text"),
    ],
)
def test_configuration_is_checked_field_by_field(empty_db: Path, values: dict, message: str) -> None:
    before = snapshot(empty_db)
    with pytest.raises(BatchError, match=message):
        write_batch(empty_db, Batch(resources=[FN], configs=[ConfigRecord(FN.resource_id, T0, values, "t")]))
    assert snapshot(empty_db) == before


def test_a_checked_batch_does_not_see_later_changes_to_the_batch(empty_db: Path) -> None:
    """The old ``stage=`` callback added records after the checks ran; a checked batch is frozen instead."""
    batch = Batch(resources=[FN])
    checked = check_batch(batch)
    batch.configs.append(ConfigRecord(FN.resource_id, T0, {"memori_mb": 1}, "t"))
    write_batch(empty_db, checked)
    assert snapshot(empty_db)["resource_config"] == []
    with pytest.raises(BatchError, match="unknown configuration field"):
        write_batch(empty_db, batch)


def configs_of(path: Path) -> list[tuple]:
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT valid_from, memory_mb, architecture, timeout_s, assumed, source FROM resource_config ORDER BY 1"
        ).fetchall()


def test_configuration_written_set_wise_keeps_the_history_rules(empty_db: Path) -> None:
    day = timedelta(days=1)
    write_batch(
        empty_db,
        Batch(
            resources=[FN],
            configs=[
                ConfigRecord(FN.resource_id, T0, {"memory_mb": 512, "timeout_s": 30}, "aws"),
                ConfigRecord(FN.resource_id, T0 + 4 * day, {"memory_mb": 1024, "timeout_s": 30}, "aws"),
            ],
        ),
    )
    summary = write_batch(
        empty_db,
        Batch(
            resources=[FN],
            configs=[
                # equal to the stored one in effect: not stored again
                ConfigRecord(FN.resource_id, T0 + day, {"memory_mb": 512, "timeout_s": 30}, "aws"),
                # only memory stated: the timeout stored at that time is kept
                ConfigRecord(FN.resource_id, T0 + 2 * day, {"memory_mb": 768}, "upload:x", keep_unstated=True),
                # two records for one moment: the later one wins, as successive writes would
                ConfigRecord(FN.resource_id, T0 + 3 * day, {"memory_mb": 900}, "upload:x"),
                ConfigRecord(FN.resource_id, T0 + 3 * day, {"memory_mb": 896, "architecture": "arm64"}, "upload:x"),
                # same values as the stored snapshot at the same moment, but now an override: stored (replaces it)
                ConfigRecord(FN.resource_id, T0 + 4 * day, {"memory_mb": 1024, "timeout_s": 30}, "me", ("memory_mb",)),
            ],
        ),
    )
    assert summary.configs_written == 3
    assert configs_of(empty_db) == [
        (T0, 512, None, 30, None, "aws"),
        (T0 + 2 * day, 768, None, 30, None, "upload:x"),
        (T0 + 3 * day, 896, "arm64", None, None, "upload:x"),
        (T0 + 4 * day, 1024, None, 30, "memory_mb", "me"),
    ]
    again = write_batch(
        empty_db,
        Batch(
            resources=[FN],
            configs=[
                ConfigRecord(FN.resource_id, T0 + 5 * day, {"memory_mb": 1024, "timeout_s": 30}, "me", ("memory_mb",))
            ],
        ),
    )
    assert again.configs_written == 0


def test_the_upload_record_of_the_same_content_is_kept_and_reported(empty_db: Path) -> None:
    from store.writes import UploadRecord

    first = UploadRecord("u1", "a.csv", "0" * 64, "long", 1, 1, datetime(2026, 2, 1, tzinfo=UTC))
    assert not write_batch(empty_db, Batch(resources=[FN], upload=first)).upload_known
    later = UploadRecord("u1", "b.csv", "0" * 64, "long", 1, 1, utc_now())
    assert write_batch(empty_db, Batch(resources=[FN], upload=later)).upload_known
    with connect(empty_db, read_only=True) as con:
        assert con.execute("SELECT file_name FROM uploads").fetchall() == [("a.csv",)]
