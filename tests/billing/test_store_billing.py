"""The billing write: replacement per billing period × account, idempotence, unmatched spend, lock handling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from demo.bills.writers import write_csv
from importers.billing import read_billing_file, read_billing_files
from store import StoreBusyError
from store.billing import BillingBatch, write_billing
from store.billing_queries import billed_lines, billing_coverage
from store.errors import BatchError
from tests.billing.conftest import charges, db_state
from tests.billing.specimens import ACCOUNT, cur_row, focus_row

NOV = date(2026, 11, 1)


def total(path: Path, where: str = "TRUE") -> float:
    sql = f"SELECT coalesce(sum(billed_cost), 0) AS usd FROM billing_charges WHERE {where}"
    return charges(path, sql)[0]["usd"]


def month(
    tmp_path: Path, name: str, cost: float, account: str = ACCOUNT, start: datetime = datetime(2026, 11, 3)
) -> Path:
    period = datetime(start.year, start.month, 1)
    rows = [
        cur_row(
            line_item_usage_account_id=account,
            line_item_usage_start_date=start + timedelta(days=d),
            line_item_usage_end_date=start + timedelta(days=d, hours=1),
            bill_billing_period_start_date=period,
            line_item_unblended_cost=cost,
        )
        for d in range(3)
    ]
    return write_csv(tmp_path / name, rows)


def test_a_reissued_month_replaces_that_months_rows_for_the_same_account(billing_db: Path, tmp_path: Path) -> None:
    first = write_billing(billing_db, read_billing_file(month(tmp_path, "nov.csv", 1.0)))
    assert (first.rows, first.replaced, first.matched_rows) == (3, 0, 3)
    other_account = write_billing(billing_db, read_billing_file(month(tmp_path, "nov-b.csv", 5.0, "210987654321")))
    october = write_billing(billing_db, read_billing_file(month(tmp_path, "oct.csv", 7.0, start=datetime(2026, 10, 3))))
    assert other_account.replaced == october.replaced == 0
    reissued = write_billing(billing_db, read_billing_file(month(tmp_path, "nov-v2.csv", 2.0)))
    assert reissued.replaced == 3
    assert total(billing_db, f"account = '{ACCOUNT}' AND billing_period = DATE '2026-11-01'") == pytest.approx(6.0)
    assert total(billing_db, "account = '210987654321'") == pytest.approx(15.0)
    assert total(billing_db, "billing_period = DATE '2026-10-01'") == pytest.approx(21.0)
    assert total(billing_db) == pytest.approx(6.0 + 15.0 + 21.0)  # replaced, not added: never 3 + 6


def test_importing_the_same_file_twice_changes_no_charge(billing_db: Path, tmp_path: Path) -> None:
    path = month(tmp_path, "nov.csv", 1.0)
    write_billing(billing_db, read_billing_file(path))
    before = charges(billing_db, "SELECT * FROM billing_charges ORDER BY ALL")
    again = write_billing(billing_db, read_billing_file(path))
    assert again.replaced == again.rows == 3
    assert charges(billing_db, "SELECT * FROM billing_charges ORDER BY ALL") == before
    uploads = charges(billing_db, "SELECT upload_id, file_name, format, rows FROM uploads")
    assert len(uploads) == 1 and uploads[0]["format"] == "cur2" and uploads[0]["rows"] == 3


def test_a_month_delivered_in_parts_is_imported_in_one_call(billing_db: Path, tmp_path: Path) -> None:
    parts = [month(tmp_path, "part-1.csv", 1.0), month(tmp_path, "part-2.csv", 2.0, start=datetime(2026, 11, 10))]
    batch = read_billing_files(parts)
    assert batch.upload.file_name == "part-1.csv + 1 more"
    write_billing(billing_db, batch)
    assert total(billing_db) == pytest.approx(9.0)


def test_an_export_without_resource_ids_lands_as_unmatched_spend_per_service(billing_db: Path, tmp_path: Path) -> None:
    rows = [
        cur_row(line_item_resource_id="", line_item_unblended_cost=4.0),
        cur_row(
            line_item_resource_id="",
            line_item_product_code="AmazonSageMaker",
            line_item_usage_type="USE1-Host:ml.m5.large",
            line_item_unblended_cost=6.0,
        ),
    ]
    batch = read_billing_file(write_csv(tmp_path / "noids.csv", rows))
    assert any("no resource id" in note for note in batch.notes)
    summary = write_billing(billing_db, batch)
    assert (summary.matched_rows, summary.unmatched_billed_usd) == (0, pytest.approx(10.0))
    lines = billed_lines(billing_db, NOV, date(2026, 11, 30))
    by_service = lines.groupby("service_name")["billed_cost"].sum().to_dict()
    assert by_service == {"AWSLambda": pytest.approx(4.0), "AmazonSageMaker": pytest.approx(6.0)}
    assert set(lines["match_family"]) == {"lambda", "sagemaker"} and lines["resource_id"].isna().all()
    coverage = billing_coverage(billing_db).to_dict("records")
    assert coverage[0]["first_day"].date() == coverage[0]["last_day"].date() == date(2026, 11, 3)


def test_a_batch_the_store_cannot_take_is_refused_before_the_file_is_opened(billing_db: Path, tmp_path: Path) -> None:
    batch = read_billing_file(write_csv(tmp_path / "f.csv", [focus_row()]))
    before = db_state(billing_db)
    broken = BillingBatch(batch.charges.drop_columns(["currency"]), batch.upload)
    with pytest.raises(BatchError, match="missing column"):
        write_billing(billing_db, broken)
    bad = batch.charges.set_column(
        batch.charges.schema.get_field_index("charge_category"), "charge_category", pa.array(["bogus"])
    )
    with pytest.raises(BatchError, match="unknown charge category 'bogus'"):
        write_billing(billing_db, BillingBatch(bad, batch.upload))
    assert db_state(billing_db) == before


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
open(sys.argv[2], "w").write("holding")
time.sleep(float(sys.argv[3]))
con.close()
"""


def _hold(db: Path, marker: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(marker), str(seconds)])
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "lock holder did not start"
        time.sleep(0.05)
    return proc


@pytest.mark.slow
def test_a_held_lock_is_waited_for_then_reported_and_nothing_is_written(
    billing_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = read_billing_file(month(tmp_path, "nov.csv", 1.0))
    before = db_state(billing_db)
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "0.5")
    holder = _hold(billing_db, tmp_path / "held", 20)
    try:
        with pytest.raises(StoreBusyError, match="busy"):
            write_billing(billing_db, batch)
    finally:
        holder.kill()
        holder.wait()
    assert db_state(billing_db) == before
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "30")
    holder = _hold(billing_db, tmp_path / "held-briefly", 1.0)
    try:
        assert write_billing(billing_db, batch).rows == 3  # retried until the other process let go
    finally:
        holder.wait()
    assert os.environ["BREAKEVEN_LOCK_WAIT_S"] == "30"
