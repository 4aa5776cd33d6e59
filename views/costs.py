"""Costs & alternatives: what each model costs today, what the other patterns would cost, where they cross."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.verdict import ModelParams, is_mixed, label
from charts import costs as charts
from charts.overview import SERVICE_LABELS
from charts.text import md, md_code
from pricing import PricingError
from views.boundary import without_server_paths
from views.common import cached_price_book, cached_verdicts, db_version, overrides_version

path = Path(st.session_state["db_path"])
filters = st.session_state["filters"]

st.title("Costs & alternatives")
st.caption(
    "Today's cost is priced from each resource's measured usage in the selected window, scaled to a 730-hour "
    "month. Alternatives are models: each states its assumptions, and you can change them below. Every line names "
    "its price's source and retrieval date; ⚠ marks prices we could not confirm."
)

try:  # a problem with the price sheets or the overrides file is the first thing on the page, not hidden below
    book = cached_price_book(overrides_version())
except PricingError as exc:
    overrides_file = Path(overrides_version()[0] or ".")
    folders = (overrides_file.parent, overrides_file.resolve().parent)
    st.error(
        f"The prices could not be loaded, so nothing can be priced: {md(without_server_paths(str(exc), *folders))}. "
        "Fix the file named here (or unset "
        "BREAKEVEN_PRICE_OVERRIDES) and reload the page.",
        icon=":material/error:",
    )
    st.stop()

with st.expander("Model assumptions", icon=":material/tune:"):
    cols = st.columns(5)
    params = ModelParams(
        peak_factor=cols[0].number_input(
            "Peak factor",
            1.0,
            10.0,
            1.5,
            0.1,
            key="m_peak",
            help="Peak concurrency within an hour relative to its mean.",
        ),
        target_utilization=cols[1].number_input(
            "Target utilisation",
            0.1,
            1.0,
            0.7,
            0.05,
            key="m_util",
            help="How busy autoscaling keeps endpoint instances.",
        ),
        keep_alive_s=cols[2].number_input(
            "FaaS keep-alive (s)",
            0.0,
            7200.0,
            600.0,
            60.0,
            key="m_keep",
            help="Idle time after which a function instance is reclaimed; the next "
            "request after a longer gap is a cold start.",
        ),
        init_ms=cols[3].number_input(
            "FaaS init time (ms)",
            0.0,
            120000.0,
            2000.0,
            100.0,
            key="m_init",
            help="Cold-start time billed per cold start when an endpoint moves to FaaS.",
        ),
        free_tier=cols[4].toggle(
            "Apply free tiers",
            False,
            key="m_free",
            help="Free tiers are account-wide; on, each resource is priced as if it were the account's only usage.",
        ),
    )
    st.caption(
        f"Price sheets: bundled, {md(', '.join(sorted({p.source.retrieved for p in book.prices.values()})))}"
        + (
            f"; overrides: {md_code(book.overrides_path)}"
            if book.overrides_path
            else "; no overrides file (set BREAKEVEN_PRICE_OVERRIDES for discounts or your own prices)."
        )
    )

verdicts = cached_verdicts(str(path), db_version(path), filters, params, overrides_version())
if not verdicts:
    st.warning(
        "No resources with data match these filters. Widen the date range or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )
    st.stop()

summary = charts.summary_frame(verdicts)
priced = summary.dropna(subset=["current_usd"])
today = float(priced["current_usd"].sum())
moves = priced[priced["move"]]
after = today - float(moves["saving_usd"].sum())
cols = st.columns(4)
cols[0].metric(
    "Modelled cost today",
    f"${today:,.0f}/mo",
    help="Sum over the selected resources at effective prices (list prices after your discounts and overrides); "
    "each resource's lines below show both.",
)
cols[1].metric("With the suggested moves", f"${after:,.0f}/mo")
cols[2].metric("Potential saving", f"${today - after:,.0f}/mo", f"{(today - after) / today:.0%}" if today else None)
cols[3].metric("Resources to review", f"{len(moves)} of {len(summary)}")
if summary["incomplete"].any():
    st.warning(
        "Some costs are incomplete (marked below): a part such as a GPU has no confirmed price.",
        icon=":material/warning:",
    )

st.plotly_chart(charts.savings_figure(summary), width="stretch")
st.dataframe(
    summary[["name", "service", "region", "current_usd", "best_alternative", "best_usd", "saving_usd", "verdict"]],
    hide_index=True,
    width="stretch",
    column_config={
        "name": "Resource",
        "service": "Service",
        "region": "Region",
        "current_usd": st.column_config.NumberColumn("Today $/mo", format="$%.2f"),
        "best_alternative": "Best feasible alternative",
        "best_usd": st.column_config.NumberColumn("Alternative $/mo", format="$%.2f"),
        "saving_usd": st.column_config.NumberColumn("Saving $/mo", format="$%.2f"),
        "verdict": st.column_config.TextColumn("Verdict", width="large"),
    },
)

st.header("One resource in detail")
names = {v.usage.resource_id: f"{v.usage.name} ({v.usage.service}, {v.usage.region})" for v in verdicts}
wanted = st.query_params.get("resource")
ids = list(names)
chosen = st.selectbox(
    "Resource", ids, index=ids.index(wanted) if wanted in names else 0, format_func=names.get, key="cost_resource"
)
if chosen != wanted:
    st.query_params["resource"] = chosen
v = next(x for x in verdicts if x.usage.resource_id == chosen)
u = v.usage

st.subheader(f"Today: {md(SERVICE_LABELS.get(u.service, u.service))}")
if v.current.monthly_usd is None:
    st.error(f"Today's cost cannot be priced: {md(v.current.error)}")
else:
    st.markdown(
        f"**${v.current.monthly_usd:,.2f} per month** (list ${v.current.list_monthly_usd:,.2f}) from "
        f"{u.window_s / 86400:,.0f} days of usage, {u.start:%Y-%m-%d} → {u.end:%Y-%m-%d} UTC."
    )
    st.dataframe(
        charts.lines_frame(v.current.lines),
        hide_index=True,
        width="stretch",
        column_config={
            "source": st.column_config.LinkColumn("Source"),
            "unit_price_usd": st.column_config.NumberColumn("Unit price", format="%.10g"),
            "usd": st.column_config.NumberColumn("USD", format="$%.2f"),
            "list_usd": st.column_config.NumberColumn("List USD", format="$%.2f"),
        },
    )
for note in dict.fromkeys([*u.notes, *v.current.notes]):
    st.caption(f"• {md(note)}")
st.info(md(v.summary), icon=":material/lightbulb:")
for error in v.errors:
    st.warning(md(error))

for alt in v.options:
    title = label(alt) if alt.pattern != "hybrid" else f"Hybrid: {label(alt)}"
    cost = f"${alt.monthly_usd:,.2f}/mo" if alt.monthly_usd is not None else "not priced"
    with st.expander(f"{md(title)} — {cost}" + ("" if alt.feasible else " — infeasible"), expanded=not alt.feasible):
        if not alt.feasible:
            st.error(f"Not feasible: {md(alt.reason)}", icon=":material/block:")
        st.dataframe(charts.assumptions_frame(alt), hide_index=True, width="stretch")
        if alt.estimate is not None:
            st.dataframe(
                charts.lines_frame(alt.estimate.lines),
                hide_index=True,
                width="stretch",
                column_config={
                    "source": st.column_config.LinkColumn("Source"),
                    "usd": st.column_config.NumberColumn("USD", format="$%.2f"),
                },
            )
            for note in alt.estimate.notes:
                st.caption(f"• {md(note)}")

left, right = st.columns(2)
if v.hybrid is not None and v.hybrid.details.get("curve"):
    left.plotly_chart(charts.hybrid_figure(v.hybrid), width="stretch")
    left.caption(
        "Each bar is a model from average durations: k = 0 is the FaaS side alone (no provisioned concurrency, "
        "billed duration or instance billing, so it can differ from today's measured cost above); the largest k "
        "carries every request on the endpoint. "
        + ("The cheapest point here is a pure pattern, so no hybrid is suggested." if not is_mixed(v.hybrid) else "")
    )
if v.break_even is not None:
    requests_now = float(u.hourly["invocations"].sum()) * u.month_factor
    be = v.break_even
    endpoint_name = f"{be.assumption('instance_count')} × {be.assumption('instance_type')}"
    faas_name = f"FaaS at {be.assumption('faas_memory_mb'):,.0f} MB"
    right.plotly_chart(charts.break_even_figure(be, requests_now, faas_name, endpoint_name), width="stretch")
    if be.requests_per_month is not None:
        right.caption(
            f"Break-even: **{be.requests_per_month:,.0f} requests/month** against {md(endpoint_name)} always "
            f"on (\\${be.endpoint_monthly_usd:,.2f}/mo); today ≈ {requests_now:,.0f}. " + md(" ".join(be.notes))
        )
    capacity = be.endpoint_capacity_requests_per_month
    if capacity and requests_now > capacity:
        right.caption(
            f"Today's volume is beyond what {md(endpoint_name)} carries at the target utilisation "
            f"({capacity:,.0f} requests/month): the flat endpoint line stops being true there; the endpoint "
            "alternative above is sized for today's traffic."
        )
elif v.break_even_reason:
    right.info(f"No break-even: {md(v.break_even_reason)}")
