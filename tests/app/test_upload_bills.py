"""The Upload page with billing exports: a FOCUS file previewed (what it bills, what it matches here, what it
would replace), imported, listed in the past imports; a re-issued month shown as replacing the stored one;
a bad bill refused with its row and column, blocking the import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from charts.format import money
from demo.bills.writers import csv_text
from tests.app.conftest import metrics_of, open_app, shown
from tests.app.test_upload import PAGE, button, upload
from tests.billing.conftest import charges, db_state
from tests.billing.specimens import focus_row
from tests.importers.conftest import SAMPLES

FOCUS = "billing-focus-1.2-444455556666-2026-11.csv"


def file_facts() -> tuple[int, float, int]:
    """Rows, billed total and the Lambda / SageMaker resources named, read from the file with csv alone."""
    with (SAMPLES / FOCUS).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    named = {r["ResourceId"] for r in rows if r["ResourceId"].startswith(("arn:aws:lambda", "arn:aws:sagemaker"))}
    return len(rows), sum(float(r["BilledCost"]) for r in rows), len(named)


MONTH = (
    "SELECT count(*) AS n, sum(billed_cost) AS usd FROM billing_charges "
    "WHERE account = '444455556666' AND billing_period = DATE '2026-11-01'"
)
DEMO_FOCUS = "demo/billing-focus-1.2-444455556666.csv"  # the demo's own bill of that account
DEMO_OTHERS = ("demo/billing-cur2-111122223333.csv.gz", "demo/billing-gcp-detailed-acme-ml-prod.parquet")


def test_a_focus_file_previewed_imported_and_listed(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo carries its own bills, so the sample (the same November, as a user would export it) re-issues
    the demo's month: previewed as replacing it, imported in its place, listed beside the demo's bills."""
    demo_month = charges(demo_db, MONTH)[0]
    at = upload(open_app(demo_db, monkeypatch, PAGE), FOCUS)
    assert not at.exception and not at.error
    (replacing,) = [i for i in at.info if "replaces" in i.value]
    assert f"replaces the {demo_month['n']:,} charge rows stored for these months and accounts" in shown(
        replacing.value
    )
    assert DEMO_FOCUS in shown(replacing.value)
    rows, billed, named = file_facts()
    shown_metrics = metrics_of(at)
    assert shown_metrics["Rows read"] == f"{rows:,}"
    assert shown_metrics["Billed"] == money(billed)
    assert shown_metrics["Resources named"] == str(named)
    captions = [shown(c.value) for c in at.caption]
    assert any("Billing months: 2026-11 · aws 444455556666" in c for c in captions)
    assert any(f"{named} of the {named} resources it names are known here" in c for c in captions)

    button(at, "upload_import").click()
    at.run()
    assert not at.exception
    (done,) = at.success
    stored = charges(demo_db, MONTH)[0]
    assert shown_metrics["Daily charge rows"] == f"{stored['n']:,}"
    assert stored["usd"] == pytest.approx(billed, abs=0.005)
    assert stored == pytest.approx(demo_month)  # the same charges as the demo's own November
    assert shown(done.value).startswith(f"**{FOCUS}** (focus) imported: {stored['n']:,} daily charge rows for 2026-11")
    assert f"{named} resource(s) matched" in shown(done.value)
    assert f"replacing {demo_month['n']:,} rows from {DEMO_FOCUS}" in shown(done.value)
    history = at.dataframe[-1].value
    assert sorted(history["file_name"]) == sorted([FOCUS, DEMO_FOCUS, *DEMO_OTHERS])
    assert dict(zip(history["file_name"], history["format"], strict=True))[FOCUS] == "focus"

    # the month delivered again (other bytes, the same charges): the page says it replaces what is stored
    again = (SAMPLES / FOCUS).read_bytes() + b"\n"
    at = upload(open_app(demo_db, monkeypatch, PAGE), "reissued.csv", content={"reissued.csv": again})
    assert not at.exception and not at.error
    (replacing,) = [i for i in at.info if "replaces" in i.value]
    assert f"replaces the {stored['n']:,} charge rows stored for these months and accounts" in shown(replacing.value)
    assert FOCUS in shown(replacing.value)
    button(at, "upload_import").click()
    at.run()
    assert charges(demo_db, MONTH)[0] == pytest.approx(stored)  # replaced, not doubled
    assert f"replacing {stored['n']:,} rows from {FOCUS}" in shown(at.success[0].value)


def test_a_bad_bill_is_refused_with_its_row_and_blocks_the_import(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = csv_text([focus_row(), focus_row(ChargePeriodStart="yesterday")]).encode()
    before = db_state(demo_db)
    at = upload(open_app(demo_db, monkeypatch, PAGE), FOCUS, "bad-bill.csv", content={"bad-bill.csv": bad})
    assert not at.exception
    (error,) = at.error
    assert shown(error.value).startswith("bad-bill.csv was rejected (1 problem; nothing was written)")
    line = "bad-bill.csv, row 3, column ChargePeriodStart: 'yesterday' is not a timestamp"
    assert any(line in c.value for c in at.code)
    assert button(at, "upload_import").disabled
    assert db_state(demo_db) == before
