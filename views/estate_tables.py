"""The cached run behind the Cold starts and Endpoints pages: one replay of the estate serves both (and the
estate's rows they show), keyed like ``views.common.cached_estate`` on the file's version, the filters, the
assumptions and the overrides file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from analysis.params import ModelParams, ParamsError
from charts.text import md
from store import queries as q
from views.common import cached_price_book


@st.cache_data(ttl=3600, show_spinner="Replaying every resource's traffic…")
def cached_tables(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Any:
    """``analysis.tables.assess_tables``: the estate, its cold-start table and its idle-endpoint table."""
    from analysis.tables import assess_tables

    return assess_tables(Path(path), f, params, cached_price_book(overrides))


def params_from_url() -> ModelParams:
    """The model assumptions a link carries (set on the Costs page); a bad one is named and ignored."""
    try:
        return ModelParams.from_query(st.query_params.to_dict())
    except ParamsError as exc:
        st.warning(f"A model assumption in the link was ignored: {md(exc)}", icon=":material/link_off:")
        return ModelParams()
