"""The Overview's plain reads, cached as one: the inventory, freshness, the traffic's sums and the last runs
(``store.page_reads``: one open of the file instead of four), keyed like every page read on the file's
modification times and the filters."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from charts.overview import choose_bucket_s
from store import queries as q
from store.page_reads import OverviewReads, overview_reads


@st.cache_data(ttl=300, show_spinner=False)
def cached_overview_reads(path: str, version: tuple[float, float], f: q.Filters) -> OverviewReads:
    """``store.page_reads.overview_reads`` at the chart's resolution (``charts.overview.choose_bucket_s``)."""
    return overview_reads(Path(path), f, choose_bucket_s)
