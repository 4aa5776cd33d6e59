"""Overview: money, opportunities, inventory and traffic. What the estate spends and would spend with every
recommendation, the few changes worth most, what runs where, how busy it is, how fast, how often it starts cold.
Layout only: the money is ``analysis``'s (``EstateAssessment``, ``analysis.window_spend`` for the model's spend,
``analysis.spend`` for the billed-or-modelled line, ``analysis.opportunities``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.opportunities import top_opportunities
from analysis.overview import traffic_totals
from charts import overview as charts
from charts import overview_money as money_charts
from charts.format import compact, money, percent
from charts.text import md
from common.services import PATTERN_LABELS, SERVICES
from common.timeutil import utc_now
from views import billing_panels
from views.common import cached_estate, cached_options, cached_spend, db_version, overrides_version
from views.downloads import download_buttons
from views.overview_data import cached_overview_reads
from views.page_state import database_is_empty, empty_database_message, model_params, params_warning, resource_link

path = Path(st.session_state["db_path"])
filters = st.session_state["filters"]
version = db_version(path)

st.title("Overview")
st.caption(
    "What the estate spends, what it would spend with every recommendation, the changes worth most, and the "
    "inventory and traffic behind them, for the selected window. Each resource in full is on its own page."
)

if database_is_empty(cached_options(str(path), version)):
    st.warning(empty_database_message(path), icon=":material/database:")
    st.stop()
reads = cached_overview_reads(str(path), version, filters)  # inventory, freshness, traffic and runs: one open
inventory = reads.inventory
if inventory.empty:
    st.warning(
        "No resources match these filters. Widen the date range or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )
    st.stop()

freshness, bucket_s, traffic = reads.freshness, reads.bucket_s, reads.traffic
data_until = freshness["data_until"].max() if not freshness.empty else None
svc = charts.by_service(traffic)
per_resource = charts.per_resource_summary(traffic)

totals = traffic_totals(inventory, traffic.resources)
newest = data_until

cols = st.columns(5)
cols[0].metric(
    "Resources",
    f"{totals.resources}",
    help=", ".join(f"{n} {label.lower()}" for label, n in totals.by_pattern.items()),
)
cols[1].metric("Requests in window", compact(totals.requests), help=f"{totals.requests:,.0f} requests")
cols[2].metric("Error rate", percent(totals.error_rate, digits=2))
cols[3].metric(
    "Cold-start rate",
    percent(totals.cold_start_rate, digits=2),
    help="Over resources whose platform reports cold starts (not Cloud Functions gen1 or endpoints).",
)
if newest is not None:
    age_h = (utc_now() - newest.to_pydatetime()).total_seconds() / 3600
    cols[4].metric("Newest data", f"{age_h:,.1f} h old", help=f"Data runs until {newest:%Y-%m-%d %H:%M} UTC.")
else:
    cols[4].metric("Newest data", "—")
billing_panels.overview_spend(path, filters)  # issue 13: the window's spend, billed or modelled, saying which

params = model_params()
if warning := params_warning():
    st.warning(f"A model assumption in the link was ignored: {md(warning)}", icon=":material/link_off:")
estate = cached_estate(str(path), version, filters, params, overrides_version())
spend = cached_spend(str(path), version, filters, params, overrides_version(), estate)

st.subheader("Money")
cols = st.columns(4)
cols[0].metric(
    "Spent in the window",
    money(spend.window_usd),
    help="Today's cost model over exactly the hours measured in the window (each configuration over its own stretch).",
)
cols[1].metric(
    "Month to date",
    money(spend.mtd_usd),
    help=f"From {spend.month_start} to the newest data ({spend.data_until}), UTC." if spend.month_start else None,
)
cols[2].metric(
    "Run-rate",
    f"{money(spend.run_rate_usd)}/mo",
    help="Today's configuration on the window's traffic, as a 730-hour month (what `report` prints as today).",
)
cols[3].metric(
    "With every recommendation",
    f"{money(spend.recommended_usd)}/mo",
    help="The run-rate with each resource's recommended change applied (a verdict of keep keeps today's cost).",
)
notes = []
if estate.totals.saving_usd:
    notes.append(
        f"Every recommendation applied saves {money(estate.totals.saving_usd)}/month"
        + (f" ({estate.totals.saving_share:.0%} of today)" if estate.totals.saving_share is not None else "")
        + f"; {estate.totals.to_review} of {estate.totals.resources} resources to review."
    )
if estate.what_if:
    notes.append(f"The run-rate and the recommendations include the what-if: {', '.join(estate.what_if)}.")
if spend.unpriced:
    notes.append(f"Not priced, so left out of the spend: {', '.join(spend.unpriced)}.")
for note in notes:
    st.caption(md(note))

group = (
    st.segmented_control(
        "Spend by",
        list(money_charts.GROUP_LABELS),
        default="pattern",
        format_func=money_charts.GROUP_LABELS.get,
        key="ov_group",
    )
    or "pattern"
)
by_group = money_charts.spend_frame(spend, group)
st.dataframe(
    by_group,
    hide_index=True,
    width="stretch",
    key="ov_spend",
    column_config={
        "label": money_charts.GROUP_LABELS[group].capitalize(),
        "resources": st.column_config.NumberColumn("Resources", format="%d"),
        "window_usd": st.column_config.NumberColumn("Spent in the window", format="dollar"),
        "mtd_usd": st.column_config.NumberColumn("Month to date", format="dollar"),
        "run_rate_usd": st.column_config.NumberColumn("Run-rate $/mo", format="dollar"),
    },
)
st.plotly_chart(money_charts.spend_figure(by_group, group), width="stretch")

st.subheader("Top opportunities")
best = top_opportunities(estate)
if not best:
    st.info("No resource has a cheaper pattern on its measured traffic: every verdict is keep.")
for item in best:
    page, query = resource_link(item.resource_id)
    left, right = st.columns([1, 4])
    left.page_link(page, label=md(item.name), query_params=query, icon=":material/open_in_new:")
    right.markdown(md(item.line))
download_buttons(estate, "overview", billing_panels.billed_for(path, filters, params))

st.subheader("Inventory and traffic")
left, right = st.columns([1, 2])
left.plotly_chart(charts.inventory_figure(inventory), width="stretch")
table = inventory.merge(per_resource, on="resource_id", how="left")
table["service"] = table["service"].map({k: s.label for k, s in SERVICES.items()})
table["pattern"] = table["pattern"].map(PATTERN_LABELS)
right.dataframe(
    table[
        [
            "name",
            "service",
            "pattern",
            "account",
            "region",
            "memory_mb",
            "instance_type",
            "instance_count",
            "invocations",
            "error_pct",
            "p50_ms",
            "p99_ms",
            "cold_start_pct",
        ]
    ],
    hide_index=True,
    width="stretch",
    height=320,
    column_config={
        "name": "Resource",
        "service": "Service",
        "pattern": "Pattern",
        "account": "Account / project",
        "region": "Region",
        "memory_mb": st.column_config.NumberColumn("Memory (MB)", format="%d"),
        "instance_type": "Instance / machine",
        "instance_count": st.column_config.NumberColumn("Instances"),
        "invocations": st.column_config.NumberColumn("Requests", format="%d"),
        "error_pct": st.column_config.NumberColumn("Errors %", format="%.2f"),
        "p50_ms": st.column_config.NumberColumn("p50 ms", format="%.0f"),
        "p99_ms": st.column_config.NumberColumn("p99 ms", format="%.0f"),
        "cold_start_pct": st.column_config.NumberColumn("Cold starts %", format="%.2f"),
    },
)

if svc.empty:
    st.info("No traffic was recorded for these resources in the selected window.")
else:
    st.plotly_chart(charts.traffic_figure(svc, bucket_s), width="stretch")
    st.plotly_chart(
        charts.resource_traffic_figure(charts.by_resource(traffic, inventory), bucket_s),
        width="stretch",
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.latency_figure(svc, bucket_s), width="stretch")
    if svc["cold_start_pct"].notna().any():
        right.plotly_chart(charts.cold_start_figure(svc, bucket_s), width="stretch")
    else:
        right.info("None of the selected resources reports cold starts.")
    st.caption(
        f"Resolution: {charts.bucket_label(bucket_s)} buckets, built from the coarsest stored resolution that "
        "fits each bucket, so hourly history and per-minute recent data are never double counted. "
        "Percentiles cannot be merged exactly from percentiles: a bucket or service shows the request-weighted "
        "mean of each resource's stored p50/p99."
    )

st.subheader("Data freshness")
fresh = freshness.copy()
now = utc_now()
fresh["age_h"] = (now - fresh["data_until"]).dt.total_seconds() / 3600
fresh["service"] = fresh["service"].map({k: s.label for k, s in SERVICES.items()})
st.dataframe(
    fresh[["name", "service", "account", "region", "data_until", "age_h", "finest_period_s", "sources"]],
    hide_index=True,
    width="stretch",
    column_config={
        "name": "Resource",
        "service": "Service",
        "account": "Account / project",
        "region": "Region",
        "data_until": st.column_config.DatetimeColumn("Data until (UTC)", format="YYYY-MM-DD HH:mm"),
        "age_h": st.column_config.NumberColumn("Age (h)", format="%.1f"),
        "finest_period_s": st.column_config.NumberColumn("Finest period (s)", format="%d"),
        "sources": "Written by",
    },
)
runs = reads.runs
if not runs.empty:
    last = runs.iloc[0]
    st.caption(
        f"Last write: a **{md(last['kind'])}** run at {last['started_at']:%Y-%m-%d %H:%M} UTC, "
        f"status **{md(last['status'])}**."
    )
