"""Billing exports through ``python -m breakeven import``: detected beside the metrics formats, checked before
anything is written, a re-issued month replacing its rows, the parts of a month written together."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from demo.bills.writers import write_csv
from tests.billing.conftest import SAMPLES, charges, db_state
from tests.billing.specimens import ACCOUNT, DAY, cur_row, focus_row
from tests.importers.conftest import run_cli

FOCUS_SAMPLE = SAMPLES / "billing-focus-1.2-444455556666-2026-11.csv"


def import_ok(db: Path, *files: Path | str, extra: tuple[str, ...] = ()) -> dict:
    code, out, err = run_cli("import", *map(str, files), "--db", str(db), *extra)
    assert code == 0, err
    return json.loads(out)


def stored_total(db: Path) -> float:
    return charges(db, "SELECT sum(billed_cost) AS usd FROM billing_charges")[0]["usd"] or 0.0


def hourly_cur(path: Path, usd_per_hour: float, hours: int = 24, start: datetime = DAY, **values) -> Path:
    rows = [
        cur_row(
            line_item_usage_start_date=start + timedelta(hours=h),
            line_item_usage_end_date=start + timedelta(hours=h + 1),
            line_item_unblended_cost=usd_per_hour,
            pricing_public_on_demand_cost=usd_per_hour,
            **values,
        )
        for h in range(hours)
    ]
    return write_csv(path, rows)


def test_a_bill_and_a_metrics_file_in_one_call(billing_db: Path) -> None:
    report = import_ok(billing_db, SAMPLES / "long.csv", FOCUS_SAMPLE)
    kinds = {f["file"]: (f["kind"], f["format"]) for f in report["files"]}
    assert kinds == {"long.csv": ("metrics", "long"), FOCUS_SAMPLE.name: ("billing", "focus")}
    bill = next(f for f in report["files"] if f["kind"] == "billing")
    assert bill["periods"] == [{"provider": "aws", "billing_period": "2026-11-01", "account": "444455556666"}]
    assert bill["charge_rows"] == len(charges(billing_db)) and bill["replaced_rows"] == 0
    assert bill["billed_usd"] == pytest.approx(stored_total(billing_db), abs=0.01)
    uploads = charges(billing_db, "SELECT file_name, format FROM uploads ORDER BY file_name")
    assert uploads == [
        {"file_name": FOCUS_SAMPLE.name, "format": "focus"},
        {"file_name": "long.csv", "format": "long"},
    ]


@pytest.mark.parametrize(
    "name", ["billing-cur2-111122223333-2026-11.csv.gz", "billing-gcp-detailed-acme-ml-prod-2026-11.parquet"]
)
def test_gzipped_and_parquet_bills_are_detected(billing_db: Path, name: str) -> None:
    (bill,) = import_ok(billing_db, SAMPLES / name)["files"]
    assert bill["format"] == {"csv.gz": "cur2", "parquet": "gcp-billing"}[name.split(".", 1)[1]]
    assert bill["charge_rows"] > 0


def test_a_reissued_month_replaces_and_the_same_file_again_changes_nothing(billing_db: Path, tmp_path: Path) -> None:
    first = hourly_cur(tmp_path / "cur-nov.csv", 0.5)
    (done,) = import_ok(billing_db, first)["files"]
    assert done["billed_usd"] == pytest.approx(12.0) and stored_total(billing_db) == pytest.approx(12.0)
    assert done["matched_rows"] == done["charge_rows"] and done["resources"] == 1  # the scorer function

    state = db_state(billing_db)
    (again,) = import_ok(billing_db, first)["files"]
    assert again["already_imported"] is True and again["replaced_rows"] == done["charge_rows"]
    assert db_state(billing_db) == state  # same rows, same first upload record

    corrected = hourly_cur(tmp_path / "cur-nov-corrected.csv", 0.75)  # AWS re-issues the month
    (fixed,) = import_ok(billing_db, corrected)["files"]
    assert fixed["replaced_rows"] == done["charge_rows"] and fixed["replaced_files"] == ["cur-nov.csv"]
    assert stored_total(billing_db) == pytest.approx(18.0)  # 24 h × $0.75, not $12 + $18
    files = charges(billing_db, "SELECT DISTINCT u.file_name FROM billing_charges JOIN uploads u USING (upload_id)")
    assert files == [{"file_name": "cur-nov-corrected.csv"}]


def test_another_month_or_account_is_kept(billing_db: Path, tmp_path: Path) -> None:
    import_ok(billing_db, hourly_cur(tmp_path / "nov.csv", 0.5))
    december = datetime(2026, 12, 2)
    later = hourly_cur(
        tmp_path / "dec.csv",
        0.25,
        start=december,
        bill_billing_period_start_date=datetime(2026, 12, 1),
        bill_billing_period_end_date=datetime(2027, 1, 1),
    )
    other = hourly_cur(tmp_path / "other.csv", 1.0, line_item_usage_account_id="210987654321")
    import_ok(billing_db, later, other)
    per = charges(
        billing_db,
        "SELECT account, billing_period, sum(billed_cost) AS usd FROM billing_charges GROUP BY ALL ORDER BY ALL",
    )
    assert [(r["account"], str(r["billing_period"]), round(r["usd"], 6)) for r in per] == [
        (ACCOUNT, "2026-11-01", 12.0),
        (ACCOUNT, "2026-12-01", 6.0),
        ("210987654321", "2026-11-01", 24.0),
    ]


def test_the_parts_of_a_month_given_together_are_one_batch(billing_db: Path, tmp_path: Path) -> None:
    part1 = hourly_cur(tmp_path / "part-00001.csv", 0.5, hours=12)
    part2 = hourly_cur(tmp_path / "part-00002.csv", 0.5, hours=12, start=DAY + timedelta(hours=12))
    (bill,) = import_ok(billing_db, part1, part2)["files"]
    assert bill["files"] == ["part-00001.csv", "part-00002.csv"] and bill["file"] == "part-00001.csv + 1 more"
    assert stored_total(billing_db) == pytest.approx(12.0)  # neither part replaced the other


def test_a_bad_bill_stops_every_file_and_names_its_row(billing_db: Path, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", [focus_row(), focus_row(BilledCost="12,50")])
    before = db_state(billing_db)
    code, out, err = run_cli("import", str(SAMPLES / "long.csv"), str(bad), "--db", str(billing_db))
    assert code == 2 and out == ""
    assert "bad.csv, row 3, column BilledCost: '12,50' is not a number" in err.splitlines()
    assert err.splitlines()[-1].startswith("error: bad.csv was rejected")
    assert db_state(billing_db) == before


def test_dry_run_and_format_choice(billing_db: Path, tmp_path: Path) -> None:
    before = db_state(billing_db)
    (bill,) = import_ok(billing_db, FOCUS_SAMPLE, extra=("--dry-run",))["files"]
    assert bill["kind"] == "billing" and bill["rows"] > 0 and "charge_rows" not in bill
    assert db_state(billing_db) == before
    code, _, err = run_cli("import", str(FOCUS_SAMPLE), "--format", "cur2", "--db", str(billing_db))
    assert code == 2 and "column line_item_usage_start_date: is missing" in err
    assert db_state(billing_db) == before


def test_a_compressed_file_that_is_no_bill_is_refused_in_one_line(billing_db: Path, tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "metrics.csv.gz"
    path.write_bytes(gzip.compress((SAMPLES / "long.csv").read_bytes()))
    code, _, err = run_cli("import", str(path), "--db", str(billing_db))
    assert code == 2
    assert "metrics.csv.gz: is gzip-compressed but not a billing export" in err
    assert len([line for line in err.splitlines() if line.strip()]) == 2  # the problem, then the error line


def test_account_and_region_flags_are_not_applied_to_a_bill(billing_db: Path) -> None:
    (bill,) = import_ok(billing_db, FOCUS_SAMPLE, extra=("--account", "elsewhere", "--region", "mars-1"))["files"]
    assert any("not applied to a billing export" in note for note in bill["notes"])
    assert {r["account"] for r in charges(billing_db, "SELECT DISTINCT account FROM billing_charges")} == {
        "444455556666"
    }
