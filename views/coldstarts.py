"""Cold starts: per resource the measured and modelled cold starts, init time, the share of requests and the
p99 they reach, and next to them what removing them costs (provisioned concurrency, an endpoint) with the
cheapest fix, and SnapStart where it may apply. Layout only: every number is ``analysis.coldstarts``'s, from
the estate's own run (``analysis.tables``)."""

from __future__ import annotations

import streamlit as st

from charts import cold_forward as forward
from charts import coldstarts as shape
from charts.format import count, money, percent
from charts.overview import SERVICE_LABELS
from charts.text import md
from views import page_state
from views.estate_tables import page_tables

st.title("Cold starts")
st.caption(
    "A cold start is a request that finds no warm instance and waits for one to start (its init time). Measured "
    "counts come from the platform where it reports them (Lambda's init durations, Cloud Run and Serverless "
    "Inference metrics); modelled counts replay the measured traffic through a warm pool with the keep-alive in "
    "the model assumptions (set on the Costs page). Monthly figures are the window's scaled to 730 hours."
)

tables, table, _params = page_tables(
    lambda t: t.cold_starts,
    "No resource in these filters starts instances on demand (functions, Cloud Run, Serverless Inference). "
    "Clear a service filter in the sidebar, or pick a date range that holds their data.",
)
for note in tables.estate.what_if:
    st.caption(
        f"What-if in effect: {md(note)}. Measured cold starts are carried forward by the model's response (the "
        "part it sees with its cold starts, the rest with its warm instance-time); each resource's basis is below."
    )

cols = st.columns(5)
cols[0].metric("Measured cold starts / month", count(table.measured_per_month),
               help="What the platform reported, on the measured traffic.")  # fmt: skip
cols[1].metric("Modelled cold starts / month", count(table.modelled_per_month),
               help="The warm-pool replay on the traffic in effect (the what-if's, when one is set).")  # fmt: skip
cols[2].metric(
    "Used for cost and latency / month",
    count(table.estimate_per_month),
    help="Measured where the platform reports them, carried forward by the model's response under a what-if "
    "(the model sees scale-out and idle expiry, not environment recycling); modelled elsewhere.",
)
cols[3].metric("Resources with a priced fix", f"{table.fixable} of {len(table.rows)}")
cols[4].metric(
    "All cheapest fixes vs today",
    f"{money(table.cheapest_extra_usd, signed=True)}/mo",
    help="Extra cost per month over today of each resource's cheapest fix that removes its cold starts; "
    "negative: the fix is cheaper than today.",
)

only_p99 = st.toggle("Only resources whose cold starts reach the p99 (at least 1 % of requests)", key="cs_p99")
shown = [r for r in table.rows if r.reaches_p99] if only_p99 else list(table.rows)
if not shown:
    st.info("No resource has cold starts on 1 % of its requests or more.", icon=":material/check_circle:")
    st.stop()
frame = shape.cold_frame(shown)
st.dataframe(frame, hide_index=True, width="stretch", key="cold_table", column_config=shape.COLD_COLUMNS)
st.caption(
    "⚠ SnapStart (Lambda only) is priced from an undated third-party copy of the AWS pricing page "
    "(us-east-1, non-Java runtimes); which runtimes may enable it is not collected, and it shortens cold starts "
    "rather than removing them, so it is never the cheapest fix. Cloud Functions and Cloud Run minimum instances "
    "are not modelled yet: their fixes here are an endpoint."
)

st.header("One resource's fixes")
names = {r.resource_id: f"{r.name} ({SERVICE_LABELS.get(r.service, r.service)}, {r.region})" for r in shown}
ids = list(names)
chosen = st.selectbox("Resource", ids, format_func=names.get, key="cs_resource")
row = table.row(chosen)
cold = row.cold
st.markdown(
    f"**{md(count(cold.estimate_per_month))} cold starts per month** ({md(cold.rule or 'modelled')}), "
    f"{md(percent(cold.share_of_requests, digits=2))} of requests, each waiting "
    f"{md(count(cold.init_ms))} ms ({'measured mean' if cold.init_measured else 'assumed'}). Today: "
    f"{md(money(row.today_usd))}/month."
)
st.caption(md(forward.basis(cold)))
if cold.measured_per_month is not None:
    with st.expander("Measured, modelled and how they combine"):
        st.dataframe(
            forward.basis_frame(cold),
            hide_index=True,
            width="stretch",
            key="cold_basis",
            column_config={"part": "Part", "per_month": "Cold starts / month", "grows": "Under the what-if",
                           "how": "How"},
        )  # fmt: skip
st.dataframe(
    shape.fixes_frame(row),
    hide_index=True,
    width="stretch",
    key="cold_fixes",
    column_config={
        "fix": "What it takes",
        "extra": "Extra $/month vs today",
        "left": "Cold starts left / month",
        "removes": "Removes them",
    },
)
if cold.cheapest_fix:
    st.success(
        f"Cheapest fix: {md(cold.cheapest_fix)}, {md(money(row.cheapest_extra_usd, signed=True))}/month against today.",
        icon=":material/build:",
    )
else:
    st.info("No priced option removes this resource's cold starts.", icon=":material/info:")
if row.snapstart is not None:
    st.caption(f"⚠ {md(row.snapstart.note)}")
page, query = page_state.resource_link(chosen)
st.page_link(
    page, label="This resource in full: every option, its charts and its bill (Resource view)", query_params=query
)
