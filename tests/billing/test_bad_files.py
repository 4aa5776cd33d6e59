"""Bad billing files are refused with one line per problem naming file, row and column (at most 20), and the
database is left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.bills.writers import write_csv, write_parquet
from importers.billing import read_billing_file, read_billing_files
from importers.problems import ImportRejected
from store.billing import write_billing
from tests.billing.conftest import db_state
from tests.billing.specimens import GCP_SCHEMA, cur_row, cur_schema, focus_row, gcp_flat, gcp_row


def refused(path: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read_billing_file(path)
    return caught.value


def focus_with(**bad) -> list[dict]:
    return [focus_row(), focus_row(**bad), focus_row()]


CASES = [
    (
        "bad-start.csv",
        focus_with(ChargePeriodStart="yesterday"),
        "bad-start.csv, row 3, column ChargePeriodStart: 'yesterday' is not a timestamp",
    ),
    (
        "empty-start.csv",
        focus_with(ChargePeriodStart=None),
        "empty-start.csv, row 3, column ChargePeriodStart: is empty",
    ),
    ("bad-cost.csv", focus_with(BilledCost="12,50"), "bad-cost.csv, row 3, column BilledCost: '12,50' is not a number"),
    (
        "inf-cost.csv",
        focus_with(EffectiveCost="inf"),
        "inf-cost.csv, row 3, column EffectiveCost: 'inf' is not a number",
    ),
    (
        "backwards.csv",
        focus_with(ChargePeriodEnd="2026-11-02T00:00:00Z"),
        "backwards.csv, row 3, column ChargePeriodEnd: '2026-11-02 00:00:00' is before ChargePeriodStart",
    ),
    (
        "category.csv",
        focus_with(ChargeCategory="Rebate"),
        "category.csv, row 3, column ChargeCategory: 'Rebate' is not a FOCUS charge category",
    ),
    (
        "euro.csv",
        focus_with(BillingCurrency="EUR"),
        "euro.csv, row 3, column BillingCurrency: 'EUR': only bills in USD can be compared",
    ),
    (
        "cur-cost.csv",
        [cur_row(), cur_row(line_item_unblended_cost="n/a")],
        "cur-cost.csv, row 3, column line_item_unblended_cost: 'n/a' is not a number",
    ),
    (
        "gcp-credits.csv",
        [gcp_flat(gcp_row()), {**gcp_flat(gcp_row()), "credits": "[{not json"}],
        "gcp-credits.csv, row 3, column credits: '[{not json' is not a JSON list of credits",
    ),
    (
        "gcp-month.csv",
        [{**gcp_flat(gcp_row()), "invoice_month": "Nov 2026"}],
        "gcp-month.csv, row 2, column invoice_month: 'Nov 2026' is not a month (YYYYMM)",
    ),
]


@pytest.mark.parametrize(("name", "rows", "line"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_value_is_named_by_file_row_and_column(billing_db: Path, tmp_path: Path, name, rows, line) -> None:
    before = db_state(billing_db)
    rejection = refused(write_csv(tmp_path / name, rows))
    assert rejection.lines()[0].startswith(line), rejection.lines()
    assert rejection.total == 1 and "nothing was written" in str(rejection)
    assert db_state(billing_db) == before


def test_a_missing_required_column_is_named_in_the_header(tmp_path: Path) -> None:
    row = focus_row()
    del row["BilledCost"]
    rejection = refused(write_csv(tmp_path / "nocost.csv", [row]))
    assert rejection.lines() == ["nocost.csv, row 1, column BilledCost: is missing: this column is required"]


def test_problems_are_bounded_to_twenty_lines_plus_a_count(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="x") for _ in range(25)] + [focus_row(ChargePeriodStart="?")]
    rejection = refused(write_csv(tmp_path / "many.csv", rows))
    lines = rejection.lines()
    assert len(lines) == 21 and rejection.total == 26
    assert lines[0].startswith("many.csv, row 2, column BilledCost")
    assert lines[-1] == "many.csv: … and 6 more problems not listed"


def test_parquet_problems_name_the_record(tmp_path: Path) -> None:
    rows = [cur_row(), cur_row(line_item_line_item_type=None), cur_row(line_item_currency_code="JPY")]
    path = write_parquet(tmp_path / "cur.parquet", rows, cur_schema(list(rows[0])))
    lines = refused(path).lines()
    assert sorted(lines) == [
        "cur.parquet, record 2, column line_item_line_item_type: is empty",
        "cur.parquet, record 3, column line_item_currency_code: 'JPY': only bills in USD can be compared with "
        "Breakeven's USD prices",
    ]


def test_files_that_are_no_bill_or_no_file_at_all(tmp_path: Path) -> None:
    assert "is not a billing export" in str(refused(write_csv(tmp_path / "x.csv", [{"a": 1, "b": 2}])))
    header_only = tmp_path / "empty.csv"
    header_only.write_text(",".join(focus_row()) + "\n")
    assert "has no charges" in str(refused(header_only))
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really")
    assert "could not be read" in str(refused(garbage))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(focus_row()) + '\n"unterminated,1,2\n')
    assert str(refused(ragged)).startswith("ragged.csv was rejected")


def test_one_bad_file_among_several_refuses_them_all(billing_db: Path, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [focus_row()])
    bad = write_csv(tmp_path / "bad.csv", focus_with(BilledCost="?"))
    before = db_state(billing_db)
    with pytest.raises(ImportRejected, match=r"bad\.csv"):
        write_billing(billing_db, read_billing_files([good, bad]))
    assert db_state(billing_db) == before


def test_gcp_parquet_credit_without_an_amount(tmp_path: Path) -> None:
    credit = {"name": "x", "amount": None, "full_name": "x", "id": "1", "type": "PROMOTION"}
    path = write_parquet(tmp_path / "gcp.parquet", [gcp_row(), gcp_row(credits=[credit])], GCP_SCHEMA)
    assert refused(path).lines() == ["gcp.parquet, record 2, column credits: a credit's amount is not a number"]


def test_a_large_file_staged_on_disk_reads_and_refuses_exactly_as_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files from ``STAGE_ON_DISK_BYTES`` up are staged in a scratch database file (the memory fix): the same
    charges, the same row named in a problem, and no scratch file left behind."""
    import tempfile

    import importers.billing as billing

    rows = [cur_row(), cur_row(line_item_usage_amount=2.5), cur_row(line_item_unblended_cost="n/a"), cur_row()]
    bad = write_csv(tmp_path / "bad.csv", rows)
    good = write_csv(tmp_path / "good.csv", [r for r in rows if r["line_item_unblended_cost"] != "n/a"])
    in_memory = (refused(bad).lines(), read_billing_file(good).charges)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(billing, "STAGE_ON_DISK_BYTES", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    made = []
    original = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        folder = original(*args, **kwargs)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    assert refused(bad).lines() == in_memory[0]
    assert in_memory[0][0].startswith("bad.csv, row 4, column line_item_unblended_cost")
    assert read_billing_file(good).charges.equals(in_memory[1])
    assert len(made) == 2 and all(Path(m).parent == scratch for m in made)  # both were staged on disk
    assert list(scratch.iterdir()) == []
