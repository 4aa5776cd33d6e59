"""The one cached run of the estate: the Cold starts and Endpoints pages' tables and the estate's rows the
Overview, Costs and What-if pages read (``views.common.cached_estate``), keyed on the file's version, the
filters, the assumptions and the overrides file: one replay serves every page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analysis import estate_runs
from analysis.estate_runs import EstateRunner, Progress, Run, Status
from analysis.params import ModelParams
from charts.text import md
from store import queries as q
from views import page_state
from views.common import cached_price_book, db_version, overrides_version

ASKER, ASKED = "estate_asker", "estate_asked"  # this session's name for the runner, and the key it last asked for
FIRST_WAIT_S = 1.5  # how long the Costs page waits for the estate before it shows the run's progress instead
Key = tuple[str, tuple[float, float], q.Filters, ModelParams, tuple[str, int, int]]


def _work(key: Key) -> Any:
    """The estate's run for ``key``: ``analysis.tables.assess_tables``'s tables, read from the summary stored
    beside the data when it matches this view, else computed and stored (``analysis.stored_summary``), going on
    from the groups a given-up run of the key finished (the run's checkpoint, ``analysis.estate_runs``)."""
    path, _, f, params, overrides = key
    book = cached_price_book(overrides)

    def work(progress: Progress) -> Any:
        from analysis.stored_summary import tables_for

        return tables_for(Path(path), f, params, book, progress=progress, checkpoint=progress.checkpoint)

    return work


def runner() -> EstateRunner:
    """The process's one runner (``analysis.estate_runs.RUNNER``), looked up each time so a test can give
    itself a fresh one."""
    return estate_runs.RUNNER


def estate_run(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Run:
    """The process's one run of this view's estate (``analysis.estate_runs``): started, or joined when another
    session asked first; finished when one is kept. Asked in this session's name: the run of the key it asked
    for before is given up unless another session still wants it (an assumption changed twice does not wait
    for the first change's replay), and given up too once this session's tab is closed (``session_probe``)."""
    key: Key = (path, version, f, params, overrides)
    me = st.session_state.setdefault(ASKER, uuid.uuid4().hex)
    before = st.session_state.get(ASKED)
    if before is not None and before != key:
        runner().release(before, me)
    st.session_state[ASKED] = key
    return runner().start(key, _work(key), asker=me, alive=session_probe())


def session_probe() -> Callable[[], bool] | None:
    """Whether this session's browser tab is still connected, asked of Streamlit's runtime
    (``Runtime.is_active_session``: a closed or lost tab's session is inactive at once), so a run asked for
    by a tab that was then closed is given up at its next group. None where no server runs (``AppTest``)."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def progress_words(status: Status) -> str:
    """The run's progress as the page says it: "Replaying 1,250 of 5,000 resources… about 40 s left"."""
    if status.state == "waiting" and not status.ahead:
        return "Starting the replay of the estate…"
    if status.state == "waiting":
        return f"Waiting for another replay of the estate to finish ({status.ahead} ahead of this one)…"
    if not status.total:
        return "Listing the resources to replay…"
    words = f"Replaying {status.done:,} of {status.total:,} resources…"
    if status.left_s is None:
        return f"{words} estimating the time left"
    left = status.left_s
    return (
        f"{words} about {max(1, round(left)):,} s left"
        if left < 120
        else f"{words} about {round(left / 60):,} min left"
    )


@st.cache_data(ttl=3600, max_entries=8, show_spinner="Replaying every resource's traffic…")
def cached_tables(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Any:
    """The estate, its cold-start table and its idle-endpoint table for this view, waited for: the process's
    one run of the key (``estate_run``), so two sessions asking at once replay it once, not twice."""
    key: Key = (path, version, f, params, overrides)
    return runner().result(key, _work(key))


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
