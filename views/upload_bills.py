"""The Upload page's billing parts: a bill's preview and what its import did (UI only, no page of its own).

A bill is previewed as the store will take it: rows read, daily charge rows, what it bills, the resources it
names and how many of them this database knows (the rest, with the charges that name no resource, become
unmatched spend per service), and the rows stored for the same months and accounts that importing it
replaces. Every file-supplied string goes through ``charts.text.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from charts.format import count, money
from charts.text import md
from importers.billing.imports import PreparedBill, charges_without_ids
from store import StoreError


def _months(bill: PreparedBill) -> str:
    return "; ".join(f"{period[:7]} · {provider} {account}" for provider, period, account in bill.periods())


def show_bill_preview(bill: PreparedBill, db: Path) -> None:
    """The preview of one billing file (its problems are shown by the page, as for any file)."""
    a, b, c, d = st.columns(4)
    a.metric("Rows read", f"{bill.rows:,}")
    b.metric("Daily charge rows", f"{bill.charge_rows:,}")
    c.metric("Billed", money(bill.billed_usd))
    d.metric("Resources named", f"{bill.resource_ids:,}")
    st.caption(f"Billing months: {md(_months(bill))}. A month imported before is replaced, not added to.")
    try:
        against = bill.against(db)
    except StoreError:  # the database is busy or unreadable: matching happens when the bill is written
        against = None
    if against is not None:
        st.caption(
            f"{count(against.matched)} of the {count(against.identities)} resources it names are known here "
            f"({money(against.matched_usd)} billed to them); {money(against.unmatched_usd)} matches no known "
            "resource or names none, and is kept as unmatched spend per service; "
            f"{money(against.account_usd)} is the accounts' own charges (tax, commitment fees…)."
        )
        if against.stored_rows:
            st.info(
                f"Importing replaces the {against.stored_rows:,} charge rows stored for these months and accounts "
                f"(from {md(', '.join(against.stored_files))}).",
                icon=":material/sync:",
            )
    else:
        without = charges_without_ids(bill)
        if without:
            st.caption(f"{money(without)} of its charges name no resource: kept as unmatched spend per service.")
    for note in bill.notes:
        st.caption(md(note))
    frame = bill.preview()
    for column in ("billed_usd", "effective_usd"):
        frame[column] = frame[column].map(money)  # "−$1.20", never "$-1.20"
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=220,
        column_config={
            "billing_period": st.column_config.DateColumn("Month", format="YYYY-MM"),
            "account": "Account / project",
            "service_name": "Service (as billed)",
            "charge_category": "Category",
            "billed_usd": "Billed",
            "effective_usd": "Effective",
            "first_day": st.column_config.DateColumn("From"),
            "last_day": st.column_config.DateColumn("To"),
        },
    )


def bill_result_line(result: dict[str, Any]) -> str:
    """One line saying what a bill's import did (markdown, file-supplied parts escaped)."""
    months = "; ".join(f"{p['billing_period'][:7]} · {p['provider']} {p['account']}" for p in result["periods"])
    replaced = ""
    if result["replaced_rows"]:
        earlier = ", ".join(result["replaced_files"]) or "the same file"
        replaced = f", replacing {result['replaced_rows']:,} rows from {md(earlier)}"
    again = " (imported before: its rows were replaced by the same)" if result["already_imported"] else ""
    return (
        f"**{md(result['file'])}** ({md(result['format'])}) imported{again}: {result['charge_rows']:,} daily charge "
        f"rows for {md(months)}{replaced}; {money(result['billed_usd'])} billed, "
        f"{result['resources']} resource(s) matched, {money(result['unmatched_billed_usd'])} of usage unmatched, "
        f"{money(result['account_charges_usd'])} of account charges (tax, commitment fees…)."
    )
