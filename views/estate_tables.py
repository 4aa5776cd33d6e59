"""The one cached run of the estate: the Cold starts and Endpoints pages' tables and the estate's rows the
Overview, Costs and What-if pages read (``views.common.cached_estate``), keyed on the file's version, the
filters, the assumptions and the overrides file: one replay serves every page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from analysis.params import ModelParams
from charts.text import md
from store import queries as q
from views import page_state
from views.common import cached_price_book, db_version, overrides_version


@st.cache_data(ttl=3600, max_entries=8, show_spinner="Replaying every resource's traffic…")
def cached_tables(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Any:
    """``analysis.tables.assess_tables``: the estate, its cold-start table and its idle-endpoint table, read
    from the summary stored beside the data when it matches this view, else computed and stored
    (``analysis.stored_summary``), so a server restart does not replay the estate again."""
    from analysis.stored_summary import tables_for

    return tables_for(Path(path), f, params, cached_price_book(overrides))


def page_tables(table_of: Callable[[Any], Any], none_here: str) -> tuple[Any, Any, ModelParams]:
    """The Cold starts and Endpoints pages' shared start: the assumptions every page shares
    (``views.page_state``), the one cached run, the page's own table (``table_of(tables)``), and the page
    stopped with a message in words when the window holds no data at all, or none of the page's kind
    (``none_here``)."""
    params = page_state.model_params()
    if warning := page_state.params_warning():
        st.warning(f"A model assumption in the link was ignored: {md(warning)}", icon=":material/link_off:")
    path = Path(st.session_state["db_path"])
    tables = cached_tables(str(path), db_version(path), st.session_state["filters"], params, overrides_version())
    if not tables.estate.rows:
        st.warning(
            "No resource has data in the selected window and filters. A new database fills from the Upload page "
            "or a collector run (Data sources).",
            icon=":material/database:",
        )
        st.stop()
    table = table_of(tables)
    if not table.rows:
        st.warning(none_here, icon=":material/filter_alt_off:")
        st.stop()
    return tables, table, params
