"""The error boundary around every page: a problem is one message in words, never a traceback.

Store problems (a busy or missing database, a refused file), pricing problems (a bad overrides file), a
bad ``BREAKEVEN_*`` setting and anything unexpected all end here. Known problems show their own one-line
message, with server folders taken out; an unexpected exception shows a short generic message and goes
to the server log with its traceback, for whoever runs the dashboard. ``client.showErrorDetails = "none"`` in
``.streamlit/config.toml`` backs this up should anything escape it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from charts.text import md
from common.settings import SettingsError, resolve_db_path
from pricing import PricingError
from store import StoreError

LOG = logging.getLogger("breakeven.views")
UNEXPECTED = (
    "Something went wrong while drawing this page. The details are in the server's log; reload the page, "
    "and if it happens again, tell whoever runs this dashboard."
)


def without_server_paths(text: str, *folders: Path) -> str:
    """``text`` with the named server folders (and the project folder) taken out: a visitor needs the file's
    name, not where it lives on the server."""
    project = Path(__file__).resolve().parent.parent
    absolute = {str(f) for f in (*folders, project) if Path(f).is_absolute() and str(f) != os.sep}
    for folder in sorted(absolute, key=len)[::-1]:  # a relative folder names nothing on the server
        text = text.replace(folder + os.sep, "").replace(folder, ".")
    return text


def _database_folders() -> list[Path]:
    """The database's folder, to take out of messages (nothing when the settings themselves are bad)."""
    try:
        db = resolve_db_path(None)
    except SettingsError:
        return []
    return [db.parent, db.resolve().parent]


def show_problem(exc: BaseException) -> None:
    """One message in words for ``exc`` (a known kind) or the generic one (anything else, logged)."""
    folders = _database_folders()
    if isinstance(exc, StoreError | PricingError | SettingsError):
        LOG.warning("shown to a visitor: %s: %s", type(exc).__name__, exc)
    if isinstance(exc, SettingsError):
        st.error(f"A setting cannot be used: {md(exc)}", icon=":material/settings:")
    elif isinstance(exc, StoreError):
        st.error(
            f"The database could not be used: {md(without_server_paths(str(exc), *folders))}",
            icon=":material/database:",
        )
    elif isinstance(exc, PricingError):
        st.error(
            f"The prices could not be used: {md(without_server_paths(str(exc), *folders))}", icon=":material/sell:"
        )
    else:
        LOG.exception("unexpected error while drawing a page")
        st.error(UNEXPECTED, icon=":material/error:")


@contextmanager
def error_boundary(*, stop: bool = False) -> Iterator[None]:
    """Catch what the wrapped code raises (not Streamlit's own stop and rerun signals, which are not
    ``Exception``s) and show it in words; with ``stop``, end the run there."""
    try:
        yield
    except Exception as exc:
        show_problem(exc)
        if stop:
            st.stop()
