"""Two things the Upload page says beyond the preview: why files that hold no data import nothing, and, after an
import of data outside the sidebar's date range, an offer to show it (the range set to the data's days)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from charts.text import md, md_code
from importers import InputFile
from store import queries as q

WHY = {
    "queries": (
        "{name} is a GetMetricData queries file: it says which metrics were asked for, not their values, so "
        "nothing can be imported from it alone. Drop it together with the results that "
        "`aws cloudwatch get-metric-data --metric-data-queries file://{plain}` printed (docs/import.md)."
    ),
    "mapping": (
        "{name} is a wide-CSV column mapping: it says what a console download's columns are, and holds no "
        "data. Drop it together with the wide CSV it describes."
    ),
    "insights-query": (
        "{name} is a Logs Insights query, not its results: a query holds no data, so nothing can be imported "
        "from it. Run it in CloudWatch Logs Insights and export the results (CSV or JSON): that file imports."
    ),
}


def lone_files(files: list[InputFile], roles: dict[str, str]) -> list[str]:
    """A line for each file that holds no data when no data file came with it (a Logs Insights query always)."""
    alone = not any(role == "data" for role in roles.values())
    out = []
    for f in files:
        role = roles[f.name]
        if role == "insights-query" or (alone and role in WHY):
            out.append(WHY[role].format(name=md_code(f.name), plain=md(f.name)))
    return out


def _jump(start: date, end: date) -> None:
    """Widget callback: runs before the next rerun draws the sidebar, so the date widget takes the range."""
    st.session_state["f_dates"] = (start, end)


def jump_offer(path: Path, resource_ids: list[str]) -> None:
    """When the imported resources' data lies outside the sidebar's range, say so and offer to show it."""
    filters = st.session_state.get("filters")
    span = q.data_span(path, sorted(set(resource_ids))) if resource_ids else None
    if span is None or filters is None or filters.start is None or filters.end is None:
        return
    if filters.start <= span[0] and span[1] <= filters.end:
        return
    st.info(
        f"The imported data runs from {span[0].isoformat()} to {span[1].isoformat()} (UTC), outside the "
        f"sidebar's range ({filters.start.isoformat()} to {filters.end.isoformat()}), so the other pages will not "
        "show it until the range covers it.",
        icon=":material/date_range:",
    )
    st.button(
        f"Show {span[0].isoformat()} to {span[1].isoformat()} in the sidebar",
        key="upload_jump",
        on_click=_jump,
        args=span,
        icon=":material/event:",
    )
