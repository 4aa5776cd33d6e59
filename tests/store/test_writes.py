from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from store import BatchError, connect
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.store.helpers import FN, hourly_batch, snapshot


def test_writing_the_same_batch_twice_changes_nothing(empty_db: Path) -> None:
    first = write_batch(empty_db, hourly_batch(48))
    after_first = snapshot(empty_db)
    second = write_batch(empty_db, hourly_batch(48))
    assert (first.inserted, first.updated) == (48, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 48)
    assert snapshot(empty_db) == after_first


def test_overlapping_batches_upsert_on_the_natural_key(empty_db: Path) -> None:
    write_batch(empty_db, hourly_batch(10, value=1.0))
    summary = write_batch(empty_db, hourly_batch(20, value=2.0))
    assert (summary.inserted, summary.updated) == (10, 10)
    with connect(empty_db, read_only=True) as con:
        rows = con.execute("SELECT count(*), sum(value) FROM metrics").fetchall()[0]
        keys = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT resource_id, metric, period_s, period_start FROM metrics)"
        ).fetchall()[0][0]
    assert rows == (20, sum(2.0 + h for h in range(20)))
    assert keys == 20


def test_same_period_at_two_resolutions_are_distinct_rows(empty_db: Path) -> None:
    start = datetime(2026, 1, 1)
    rows = [
        (FN.resource_id, "invocations", start, 3600, 60.0, "t"),
        (FN.resource_id, "invocations", start, 60, 1.0, "t"),
    ]
    assert write_batch(empty_db, Batch(resources=[FN], metrics=metrics_frame(rows))).inserted == 2


def test_exact_repeats_inside_a_batch_are_dropped(empty_db: Path) -> None:
    row = (FN.resource_id, "invocations", datetime(2026, 1, 1), 3600, 3.0, "t")
    summary = write_batch(empty_db, Batch(resources=[FN], metrics=metrics_frame([row, row, row])))
    assert (summary.metric_rows, summary.inserted) == (1, 1)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((FN.resource_id, "invocashuns", datetime(2026, 1, 1), 3600, 1.0, "t"), "unknown metric 'invocashuns'"),
        ((FN.resource_id, "invocations", datetime(2026, 1, 1), 3600, -4.0, "t"), "invalid value -4.0"),
        ((FN.resource_id, "duration_ms_avg", datetime(2026, 1, 1), 3600, float("nan"), "t"), "invalid value nan"),
        ((FN.resource_id, "invocations", datetime(2026, 1, 1), 0, 1.0, "t"), "invalid value"),
        (("lambda:9:us-east-1:ghost", "invocations", datetime(2026, 1, 1), 60, 1.0, "t"), "neither in the batch"),
        ((FN.resource_id, "instances_avg", datetime(2026, 1, 1), 3600, -2.0, "t"), "invalid value -2.0"),
        ((FN.resource_id, "invocations", datetime(2026, 1, 1, 0, 30), 3600, 1.0, "t"), "not on a multiple of its"),
        ((FN.resource_id, "invocations", datetime(2026, 1, 1, 6), 86400, 1.0, "t"), "not on a multiple of its"),
    ],
)
def test_invalid_rows_are_refused_and_nothing_is_written(empty_db: Path, row: tuple, message: str) -> None:
    write_batch(empty_db, hourly_batch(3))
    before = snapshot(empty_db)
    good = (FN.resource_id, "errors", datetime(2026, 2, 1), 3600, 1.0, "t")
    with pytest.raises(BatchError, match=message):
        write_batch(empty_db, Batch(resources=[FN], metrics=metrics_frame([good, row])))
    assert snapshot(empty_db) == before


def test_two_values_for_one_period_is_an_error(empty_db: Path) -> None:
    a = (FN.resource_id, "invocations", datetime(2026, 1, 1), 3600, 3.0, "t")
    b = (FN.resource_id, "invocations", datetime(2026, 1, 1), 3600, 4.0, "t")
    with pytest.raises(BatchError, match="2 different values"):
        write_batch(empty_db, Batch(resources=[FN], metrics=metrics_frame([a, b])))
    assert snapshot(empty_db)["metrics"] == []


def test_unknown_service_is_refused(empty_db: Path) -> None:
    with pytest.raises(BatchError, match="unknown service 'ec2'"):
        write_batch(empty_db, Batch(resources=[ResourceRecord("ec2", "1", "us-east-1", "box")]))


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (ResourceRecord("lambda", "111122223333:x", "us-east-1", "fn"), "account '111122223333:x'"),
        (ResourceRecord("lambda", "111122223333", "us:east-1", "fn"), "region 'us:east-1'"),
        (ResourceRecord("lambda:x", "1", "us-east-1", "fn"), "unknown service 'lambda:x'"),
    ],
)
def test_a_colon_in_a_resource_key_part_is_refused(empty_db: Path, record: ResourceRecord, field: str) -> None:
    """service:account:region:name is split on the first three colons; a colon in one of them would shift it."""
    write_batch(empty_db, hourly_batch(3))
    before = snapshot(empty_db)
    row = (record.resource_id, "invocations", datetime(2026, 2, 1), 3600, 1.0, "t")
    with pytest.raises(BatchError, match=field) as caught:
        write_batch(empty_db, Batch(resources=[record], metrics=metrics_frame([row])))
    assert "\n" not in str(caught.value)
    assert snapshot(empty_db) == before


def test_configuration_keeps_history_and_skips_unchanged_snapshots(empty_db: Path) -> None:
    rid = FN.resource_id
    configs = [
        ConfigRecord(rid, datetime(2026, 1, 1), {"memory_mb": 1024, "architecture": "x86_64"}, "t"),
        ConfigRecord(rid, datetime(2026, 1, 2), {"memory_mb": 1024, "architecture": "x86_64"}, "t"),
        ConfigRecord(rid, datetime(2026, 1, 3), {"memory_mb": 2048, "architecture": "x86_64"}, "t"),
    ]
    assert write_batch(empty_db, Batch(resources=[FN], configs=configs)).configs_written == 2
    assert write_batch(empty_db, Batch(resources=[FN], configs=configs)).configs_written == 0
    with connect(empty_db, read_only=True) as con:
        history = con.execute("SELECT valid_from, memory_mb FROM resource_config ORDER BY 1").fetchall()
    assert history == [(datetime(2026, 1, 1), 1024), (datetime(2026, 1, 3), 2048)]


def test_resource_seen_span_follows_the_metrics(empty_db: Path) -> None:
    write_batch(empty_db, hourly_batch(5, start=datetime(2026, 3, 1, 10)))
    write_batch(empty_db, hourly_batch(1, start=datetime(2026, 2, 1)))
    with connect(empty_db, read_only=True) as con:
        seen = con.execute("SELECT first_seen, last_seen FROM resources").fetchall()[0]
    assert seen == (datetime(2026, 2, 1), datetime(2026, 3, 1, 15))


def test_replace_source_swaps_a_sources_rows_atomically(empty_db: Path) -> None:
    other = ResourceRecord("lambda", "123456789012", "us-east-1", "kept")
    write_batch(empty_db, hourly_batch(5, source="demo"))
    write_batch(empty_db, hourly_batch(2, resource=other, source="real"))
    batch = hourly_batch(1, source="demo")
    batch.replace_source = "demo"
    write_batch(empty_db, batch)
    with connect(empty_db, read_only=True) as con:
        counts = dict(con.execute("SELECT source, count(*) FROM metrics GROUP BY 1").fetchall())
    assert counts == {"demo": 1, "real": 2}
