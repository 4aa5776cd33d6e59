"""Resource view: one resource in full, deep-linkable (``?resource=<resource_id>`` plus the filters and ``m_*``).

How its cost moved day by day against every alternative, its traffic, latency and concurrency over time,
the break-even with today's volume, the hybrid's curve, latency per pattern, why an option cannot work, and
its configuration history. Layout only: the numbers are ``analysis.assess_resource``'s and
``analysis.usage.usage_over_time``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from analysis.usage import usage_over_time
from charts import cold_forward
from charts import resource as charts
from charts.format import compact, count, duration_ms, money
from charts.overview import SERVICE_LABELS
from charts.text import md, md_code
from pricing import PricingError
from store import queries as q
from views import billing_panels, page_state
from views.assumptions import assumptions_panel, seeded_params, sync_url
from views.common import cached_detail, cached_inventory, cached_price_book, db_version, overrides_version
from views.detail_charts import curves

path = Path(st.session_state["db_path"])
filters = st.session_state["filters"]
version = db_version(path)


@st.cache_data(ttl=3600, show_spinner=False)
def cached_usage(path: str, version: tuple[float, float], f: q.Filters, resource_id: str) -> Any:
    return usage_over_time(Path(path), resource_id, f)


st.title("Resource view")
try:
    book = cached_price_book(overrides_version())
except PricingError as exc:
    st.error(f"The prices could not be loaded, so nothing can be priced: {md(exc)}", icon=":material/error:")
    st.stop()

inventory = cached_inventory(str(path), version, filters)
if inventory.empty:
    st.warning("No resources match these filters: clear a filter in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()
chosen = page_state.pick_resource(
    page_state.resource_names(inventory[["resource_id", "name", "service", "region"]].itertuples(index=False)),
    "rv_resource",
)

params = assumptions_panel(book, seeded_params(), "rv")
sync_url(params)
if params.what_if:
    st.info(
        "What-if in effect (from the link or the What-if page): "
        + md("; ".join(params.what_if_notes()))
        + ". Today's cost is modelled on the changed traffic.",
        icon=":material/science:",
    )

detail = cached_detail(str(path), version, filters, chosen, params, overrides_version())
if detail is None:
    st.warning("This resource has no data in the selected window: widen the date range.", icon=":material/event:")
    st.stop()
row = detail.row
st.page_link(
    "views/whatif.py",
    label="What if… (traffic, memory, caching, a smaller model) for this resource",
    icon=":material/science:",
    query_params=st.query_params.to_dict(),
)

st.subheader(f"{md(row.name)} — {md(SERVICE_LABELS.get(row.service, row.service))}, {md(row.region)}")
st.caption(f"{md_code(row.resource_id)} · account {md(row.account)}")
cols = st.columns(5)
cols[0].metric("Today ($/month)", money(row.current.monthly_usd))
cols[1].metric("Best option ($/month)", money(row.best.monthly_usd) if row.best else "—",
               help=md(row.best.label) if row.best else "Nothing cheaper than today.")  # fmt: skip
cols[2].metric("Saving ($/month)", money(row.best.saving_usd) if row.best else "—")
cols[3].metric("Requests / month", compact(row.requests_per_month), help=count(row.requests_per_month))
cols[4].metric(
    "Break-even requests / month",
    compact(row.break_even_requests_per_month),
    help=f"{count(row.break_even_requests_per_month)}: above it an endpoint is cheaper than the function",
)
if row.current.monthly_usd is None:
    st.error(f"Today's cost cannot be priced: {md(row.current.error or row.skipped_reason)}")
st.info(md(row.verdict.text), icon=":material/lightbulb:")
for note in dict.fromkeys([*detail.notes, *detail.today_notes]):
    st.caption(f"• {md(note)}")

billing_panels.resource_panel(path, filters, chosen, params.free_tier)  # issue 13: the bill beside it

st.header("Over time")
if detail.daily is not None:
    st.plotly_chart(charts.cost_over_time_figure(detail.daily, charts.best_hybrid(detail)), width="stretch")
else:
    st.caption("Cost per day needs at least two days of the current configuration in the window.")
usage = cached_usage(str(path), version, filters, chosen)
if usage is not None:
    st.plotly_chart(charts.traffic_figure(usage), width="stretch")
    left, right = st.columns(2)
    if usage.has_latency:
        left.plotly_chart(charts.latency_over_time_figure(usage), width="stretch")
    if usage.has_concurrency:
        right.plotly_chart(charts.concurrency_figure(usage), width="stretch")
    st.caption(
        "Measured, not modelled: a what-if changes the figures above and below, not this history. A bucket's "
        "percentile is the request-weighted mean of the stored percentiles (they cannot be merged exactly)."
    )

st.header("Today against every option")
st.dataframe(
    charts.options_frame(detail),
    hide_index=True,
    width="stretch",
    key="rv_options",
    column_config={
        "option": "Option",
        "monthly": "$/month",
        "vs_today": "vs today",
        "cold_starts": "Cold starts/month",
        "always_on": "Always-on instances",
        "feasible": st.column_config.TextColumn("Feasible", width="large"),
        "price": "Price",
    },
)
curves(detail, row)

if any(o.latency_mean_ms is not None for o in detail.options):
    st.plotly_chart(charts.latency_figure(detail), width="stretch")
if detail.cold_starts is not None:
    cold = detail.cold_starts
    st.caption(
        f"Cold starts: {md(count(cold.measured_per_month))} measured and {md(count(cold.modelled_per_month))} "
        f"modelled per month, init {md(duration_ms(cold.init_ms))} ({'measured' if cold.init_measured else 'assumed'})"
        + (f"; cheapest fix: {md(cold.cheapest_fix)}" if cold.cheapest_fix else "")
        + "."
    )
    st.caption(md(cold_forward.basis(cold)))

notes = charts.feasibility_notes(detail)
if notes:
    blocked = any(not o.row.feasible for o in detail.options)
    with st.expander("Feasibility notes", icon=":material/rule:", expanded=blocked):
        for note in notes:
            st.markdown(f"- {md(note)}")

st.header("Configuration history")
history = charts.history_frame(detail)
if history.empty:
    st.caption("No configuration recorded for this resource.")
else:
    st.dataframe(history, hide_index=True, width="stretch", key="rv_history")
st.dataframe(
    charts.periods_frame(detail),
    hide_index=True,
    width="stretch",
    key="rv_periods",
    column_config={"monthly": "$/month-equivalent", "current": "Period"},
)
