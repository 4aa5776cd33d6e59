"""Breakeven dashboard entry point: ``streamlit run app.py``.

Checks sign-in (when configured), builds the navigation, prepares the database on first start (the demo
estate at the default path), draws the shared sidebar filters and hands them to the page that runs, inside
an error boundary.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from charts.text import md_code
from common.server_log import configure_server_log
from views.boundary import error_boundary
from views.common import cached_origin, db_version, demo_banner, prepare_database, sidebar_filters
from views.page_state import model_params
from views.signin import exposure_warning, require_signin

configure_server_log()  # once per process: our INFO records in the server's log beside Streamlit's

# The tab icon is a file of ours: a Material symbol as page_icon has every browser fetch it from Google's fonts.
ICON = Path(__file__).resolve().parent / "assets" / "breakeven.png"
st.set_page_config(page_title="Breakeven", page_icon=str(ICON), layout="wide")
require_signin()  # off unless .streamlit/secrets.toml configures it; signed out, nothing below runs

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("views/costs.py", title="Costs & alternatives", icon=":material/savings:"),
    st.Page("views/resource.py", title="Resource view", icon=":material/query_stats:", url_path="resource"),
    st.Page("views/whatif.py", title="What-if", icon=":material/science:", url_path="what-if"),
    st.Page("views/coldstarts.py", title="Cold starts", icon=":material/ac_unit:", url_path="cold-starts"),
    st.Page("views/endpoints.py", title="Endpoints: uptime and idle", icon=":material/dns:", url_path="endpoints"),
    st.Page("views/prices.py", title="Prices", icon=":material/sell:"),
    st.Page("views/sources.py", title="Data sources", icon=":material/cloud_sync:"),
    st.Page("views/upload.py", title="Upload", icon=":material/upload_file:"),
]

navigation = st.navigation(PAGES)

with error_boundary(stop=True):
    path = prepare_database()
    st.session_state["db_path"] = str(path)
    st.session_state["filters"] = sidebar_filters(path)
    model_params()  # the assumptions in the URL on every page, so a shared link reproduces the view
    demo_banner(cached_origin(str(path), db_version(path)))

with st.sidebar:
    st.caption(f"Database: {md_code(Path(st.session_state['db_path']).name)} · times in UTC")
    warning = exposure_warning(st.get_option("server.address"))
    if warning:
        st.warning(warning, icon=":material/lan:")

with error_boundary():  # whatever the page raises is one message in words, never a traceback
    navigation.run()
