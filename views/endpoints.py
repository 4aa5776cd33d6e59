"""Endpoints: uptime and idle. Per always-on endpoint the instance-hours, the hours with no request, how busy
its instances were, the dollars paid for idle capacity (per endpoint and in total), and what scale-to-zero,
a schedule, a serverless endpoint or a smaller instance would save. Layout only: every number is
``analysis.idle``'s, from the estate's own run (``analysis.tables``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from charts import coldstarts as shape
from charts.format import MISSING, count, money, percent
from charts.overview import SERVICE_LABELS
from charts.text import md
from views import billing_panels, page_state
from views.estate_tables import page_tables

st.title("Endpoints: uptime and idle")
st.caption(
    "An always-on endpoint (SageMaker real-time, Vertex AI) is billed per instance-hour whether or not requests "
    "arrive. Two figures, at each endpoint's own effective hourly price: **paid in hours with no traffic** (every "
    "instance-hour of a UTC hour without a single request) and **paid for unused capacity** (that, plus each "
    "hour with traffic's instance-hours × (1 − its measured CPU utilisation); unknown without a CPU metric). An "
    "autoscaled endpoint keeps some headroom on purpose, at its target utilisation. Monthly figures are the "
    "window's scaled to 730 hours."
)

tables, table, params = page_tables(
    lambda t: t.idle,
    "No always-on endpoint in these filters. Clear a service filter in the sidebar, or pick a date range "
    "that holds their data.",
)
for note in tables.estate.what_if:
    st.caption(f"What-if in effect (today's cost only; idle hours and utilisation are measured): {md(note)}")

cols = st.columns(4)
cols[0].metric("Endpoints", count(len(table.rows)))
cols[1].metric(
    "Paid in hours with no traffic",
    f"{money(table.idle_usd_per_month)}/mo",
    f"{percent(table.idle_share)} of endpoint spend",
    delta_color="off",
    help=f"Scaled from the window ({money(table.idle_usd)} in the window).",
)
cols[2].metric(
    "Paid for unused capacity",
    f"{money(table.unused_usd_per_month)}/mo" if table.unused_known else MISSING,
    f"{percent(table.unused_share)} of their spend" if table.unused_known else None,
    delta_color="off",
    help=f"Over the {table.unused_known} of {len(table.rows)} endpoints with a CPU metric; includes the hours "
    "with no traffic.",
)
cols[3].metric("In the window, hours with no traffic", money(table.idle_usd))

only_idle = st.toggle("Only endpoints with idle hours", key="ep_idle")
shown = [e for e in table.rows if e.idle_hours > 0] if only_idle else list(table.rows)
if not shown:
    st.info("Every endpoint served requests in every measured hour.", icon=":material/check_circle:")
    st.stop()
billed = billing_panels.billed_for(Path(st.session_state["db_path"]), st.session_state["filters"], params)
st.dataframe(
    shape.idle_frame(shown, billed),
    hide_index=True,
    width="stretch",
    key="idle_table",
    column_config=shape.IDLE_COLUMNS,
)
if billed is not None:
    st.caption(
        f"Billed: what the imported bills charged each endpoint for {billed.start:%d %b} – {billed.end:%d %b %Y} "
        "(effective, amortised cost) as a 730-hour month, beside today's modelled cost; the Resource view explains "
        "the difference."
    )

st.header("One endpoint's ways out")
names = {e.resource_id: f"{e.name} ({SERVICE_LABELS.get(e.service, e.service)}, {e.region})" for e in shown}
ids = list(names)
chosen = st.selectbox("Endpoint", ids, format_func=names.get, key="ep_resource")
e = table.row(chosen)
st.markdown(
    f"**{md(count(e.idle_hours))} of {md(count(e.hours))} hours without a request**: "
    f"{md(count(e.idle_instance_hours))} idle instance-hours at {md(shape.hourly(e.hour_usd))} each, "
    f"{md(money(e.idle_usd))} in the window, {md(money(e.idle_usd_per_month))}/month of today's "
    f"{md(money(e.today_usd))}/month. **Unused capacity**: {md(shape.unused_text(e))}."
)
if e.price_source:
    st.caption(f"Hourly price: {md(e.price_source)}")
st.dataframe(
    shape.savings_frame(e),
    hide_index=True,
    width="stretch",
    key="idle_savings",
    column_config={
        "what": "Way out",
        "option": "As modelled",
        "monthly": "$/month",
        "saving": "Saving $/month",
        "recovers": "Recovers",
        "note": st.column_config.TextColumn("Note", width="large"),
    },
)
for note in e.notes:
    st.caption(f"• {md(note)}")
page, query = page_state.resource_link(chosen)
st.page_link(
    page, label="This endpoint in full: every option, its charts and its bill (Resource view)", query_params=query
)
