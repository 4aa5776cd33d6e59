"""Downloads of the current view: the verdicts as CSV and the whole report as one HTML file.

Both are built by ``charts.report.render`` from the estate the page shows (its filters and assumptions),
so a download is byte for byte what ``python -m breakeven report --format csv|html`` prints for the same
window, the bill beside the model included (``analysis.billed.billed_view``, which the page passes in).
The files are generated when the button is clicked (Streamlit's deferred download), not on every
rerun: the HTML carries plotly.js inlined (about 5 MB), which no rerun should pay for.
"""

from __future__ import annotations

import streamlit as st

from analysis.billed import BilledView
from analysis.types import EstateAssessment
from charts.report import render


def file_stem(estate: EstateAssessment) -> str:
    """``breakeven-report-2026-11-02-to-2026-12-01``: the window in the name, so two downloads differ."""
    return f"breakeven-report-{estate.window_start[:10]}-to-{estate.window_end[:10]}"


def download_buttons(estate: EstateAssessment, key: str, billed: BilledView | None) -> None:
    """Two buttons side by side; ``key`` keeps the widgets of two pages apart; ``billed`` is the bill beside the
    model for the same window (None without an imported bill), as ``report`` prints it."""
    stem = file_stem(estate)
    left, right = st.columns(2)
    left.download_button(
        "Download the verdicts (CSV)",
        data=lambda: render(estate, "csv", billed=billed),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/table:",
        help="One row per resource, as `report --format csv` prints it; text cells cannot run as formulas.",
    )
    right.download_button(
        "Download the report (HTML)",
        data=lambda: render(estate, "html", billed=billed),
        file_name=f"{stem}.html",
        mime="text/html",
        key=f"{key}_html",
        on_click="ignore",
        icon=":material/description:",
        help="One self-contained file with its chart (no request to any host), as `report --format html` prints it.",
    )
