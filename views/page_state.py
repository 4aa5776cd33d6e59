"""The view's state shared by every page: the model assumptions kept in the URL, where a resource's link
goes, and what an empty database says.

The assumptions (``ModelParams``, every key ``m_…``) live in the session and in the URL together: a link
that names any sets them (a shared link, or a page that wrote its own into the URL); a page that changes
them calls :func:`set_model_params`, which updates both; and a run whose URL names none puts the session's
back, so moving to another page (Streamlit's navigation drops the query string) keeps them in the link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from analysis.params import PREFIX, ModelParams, ParamsError
from charts.text import md_code

PARAMS_KEY = "model_params"
# The page a resource's link opens (its file, as app.py's navigation names it) and its query parameter. The
# Resource view (views/resource.py, url path "resource", ``?resource=<resource_id>``) replaces the Costs page's
# detail: change it here only.
RESOURCE_PAGE = "views/resource.py"
RESOURCE_PARAM = "resource"


def _url_params() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if k.startswith(PREFIX)}


def _write_params(params: ModelParams) -> None:
    wanted, current = params.to_query(), _url_params()
    if wanted != current:
        for key in current:
            del st.query_params[key]
        st.query_params.update(wanted)


def model_params() -> ModelParams:
    """The view's assumptions: the link's when it names any (a shared link, or a page that wrote its own),
    else the session's (Streamlit's navigation dropped the query string), else the defaults.

    A link whose ``m_`` values cannot be read is one warning naming the value, and the session's (or the
    default) assumptions apply."""
    url = _url_params()
    if url or PARAMS_KEY not in st.session_state:
        try:
            st.session_state[PARAMS_KEY] = ModelParams.from_query(url)
        except ParamsError as exc:
            st.session_state["_params_warning"] = str(exc)
            st.session_state.setdefault(PARAMS_KEY, ModelParams())
    params = st.session_state[PARAMS_KEY]
    _write_params(params)
    return params


def params_warning() -> str | None:
    """The link's unreadable assumption, in words (shown once, by the page that reads the assumptions)."""
    return st.session_state.pop("_params_warning", None)


def set_model_params(params: ModelParams) -> None:
    """A page changed the assumptions: the session and the URL follow."""
    st.session_state[PARAMS_KEY] = params
    _write_params(params)


def resource_link(resource_id: str) -> tuple[str, dict[str, str]]:
    """The page and query string that show one resource, keeping the current filters and assumptions
    (for ``st.page_link(page, query_params=query)``)."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k != RESOURCE_PARAM}
    query[RESOURCE_PARAM] = resource_id
    return RESOURCE_PAGE, query


def resource_names(rows: Any) -> dict[str, str]:
    """Each resource's label for a picker, "name (service, region)", from rows with those fields (attributes,
    or keys of a mapping: ``store.selection``'s records)."""
    from charts.overview import SERVICE_LABELS

    out: dict[str, str] = {}
    for r in rows:
        get = r.get if isinstance(r, dict) else lambda name, r=r: getattr(r, name)
        out[get("resource_id")] = (
            f"{get('name')} ({SERVICE_LABELS.get(get('service'), get('service'))}, {get('region')})"
        )
    return out


def pick_resource(names: dict[str, str], key: str) -> str:
    """The page's resource picker over ``names`` (id → label), starting from the link's ``?resource=`` and
    writing the choice back to it, so a link reproduces the view; a link naming a resource outside the
    filtered set says so and shows the first."""
    ids = list(names)
    wanted = st.query_params.get(RESOURCE_PARAM)
    if wanted and wanted not in names:
        st.warning(
            f"The resource in the link, {md_code(wanted)}, is not among the filtered resources; showing the first.",
            icon=":material/link_off:",
        )
    chosen = st.selectbox(
        "Resource", ids, index=ids.index(wanted) if wanted in names else 0, format_func=names.get, key=key
    )
    if chosen != wanted:
        st.query_params[RESOURCE_PARAM] = chosen
    return chosen


def database_is_empty(options: dict[str, Any]) -> bool:
    """True when the database holds no metric rows at all (``store.queries.filter_options``'s span)."""
    return options.get("first") is None


def empty_database_message(path: Path) -> str:
    """What a page says when there is nothing in the database: that there is no data, and how to get some."""
    return (
        f"The database {md_code(path.name)} holds no data yet, so there is nothing to show. To get some: load the "
        "demo estate (`python -m breakeven demo`), run a collector (`python -m breakeven run --config "
        "collectors.toml`), or upload exported metrics on the **Upload** page."
    )
