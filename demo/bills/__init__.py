"""The demo estate's bills: every calendar month of its history billed in the three formats a user imports.

So the demo shows a reconciliation out of the box, its build bills its own usage (``demo.bills.usage``) at the
bundled price sheets' list prices, with deliberate differences a reconciliation must find (every figure is
invented, ``demo.bills.constants``; ``data/samples/README.md`` lists them):

- CUR 2.0, AWS account 111122223333 (``aws``): a Compute Savings Plan on part of fraud-score's duration,
  fraud-score's data transfer, search-rerank's eu-west-1 rate, a function Breakeven does not know, CloudWatch
  lines without resource ids, monthly tax;
- FOCUS 1.2 with AWS columns, account 444455556666 (``focus``): a SageMaker Savings Plan on translate-inf2, a
  daily promotional credit on feature-enrich, monthly tax;
- the Google Cloud detailed export (Parquet, nested), project acme-ml-prod (``gcp``): a Cloud Run committed-use
  discount as credits, free-tier credits, a GPU the price sheet has no price for, a Cloud Run service Breakeven
  does not know, monthly tax.

The files are written to a scratch folder and imported through the normal path (``importers.billing`` reads and
checks them, ``store.billing.write_billing`` writes each in one transaction), recorded under names starting
with ``demo/`` — a name no imported file can have — so ``demo --remove`` takes them out again. The committed
samples in ``data/samples`` are November 2026 of the tests' demo, made by the same code
(``python -m tests.billing.sample_bills``).
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from demo.bills.aws import aws_lines, cur_rows
from demo.bills.constants import CUR_FILE, FOCUS_FILE, GCP_FILE
from demo.bills.focus import focus_rows
from demo.bills.gcp import SCHEMA as GCP_SCHEMA
from demo.bills.gcp import gcp_rows
from demo.bills.usage import BillMonth, bill_months, config, daily_usage
from demo.bills.writers import write_csv, write_parquet
from demo.profiles import AWS_PROD, AWS_RESEARCH, GCP_PROJECT
from pricing import load_price_book
from store.billing import BillingWriteSummary

# The upload record's name of a demo bill: an imported file's name never holds a "/".
DEMO_BILL_PREFIX = "demo/"
FILES = {"cur2": CUR_FILE, "focus": FOCUS_FILE, "gcp-billing": GCP_FILE}  # the committed samples
DEMO_FILES = {
    "cur2": "billing-cur2-111122223333.csv.gz",
    "focus": "billing-focus-1.2-444455556666.csv",
    "gcp-billing": "billing-gcp-detailed-acme-ml-prod.parquet",
}


def build_files(db: Path, out: Path, months: list[BillMonth], names: dict[str, str] | None = None) -> list[Path]:
    """Write the demo's bills of ``months`` (read from the demo database ``db``) into ``out``: one file per
    format holding every month (CUR, FOCUS, GCP, named by ``names``, else the committed samples' names)."""
    names = {**FILES, **(names or {})}
    book = load_price_book(use_env=False)  # list prices: the user's overrides are not what a bill charges
    usage, configs = daily_usage(db, months[0].first, months[-1].last), config(db)
    cur, focus, gcp = [], [], []
    for month in months:
        days = [u for u in usage if month.first <= u.day <= month.last]
        lines = aws_lines(days, configs, book)
        cur += cur_rows(lines[AWS_PROD], month)
        focus += focus_rows(lines[AWS_RESEARCH], month)
        gcp += gcp_rows([u for u in days if u.account == GCP_PROJECT], configs, month, book)
    return [
        write_csv(out / names["cur2"], cur, _cur_columns(cur)),
        write_csv(out / names["focus"], focus),
        write_parquet(out / names["gcp-billing"], gcp, GCP_SCHEMA),
    ]


def _cur_columns(rows: list[dict]) -> list[str]:
    """Every column of the first row, then the Savings Plan columns only covered lines carry."""
    seen: dict[str, None] = dict.fromkeys(rows[0])
    for row in rows:
        for key in row:
            if key.startswith("savings_plan_"):
                seen.setdefault(key, None)
    return list(seen)


def demo_months(start: datetime, end: datetime) -> list[BillMonth]:
    """The invoice months the demo bills: from the first month its history covers whole to the month of its
    last hour (that one to date), every day with data in them."""
    first = start.date() if start.time() == time() and start.day == 1 else None
    if first is None:
        month = start.date().replace(day=1)
        first = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    last = (end - timedelta(microseconds=1)).date()
    return bill_months(first, last) if first <= last else []


def write_demo_bills(path: Path, start: datetime, end: datetime) -> list[BillingWriteSummary]:
    """Bill the demo estate stored in ``path`` (history ``start``..``end``) and import the bills: each format's
    file read, checked and written like a user's import (a re-issued month replaces that month's rows)."""
    from importers.billing import read_billing_file
    from store.billing import write_billing

    months = demo_months(start, end)
    if not months:
        return []
    with tempfile.TemporaryDirectory(prefix="breakeven-demo-bills-") as scratch:
        written = build_files(path, Path(scratch), months, DEMO_FILES)
        return [write_billing(path, read_billing_file(f, f"{DEMO_BILL_PREFIX}{f.name}")) for f in written]
