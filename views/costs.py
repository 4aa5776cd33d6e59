"""Costs & alternatives: what each model costs today, what every other pattern would cost on the same measured
traffic (replayed minute by minute), the verdict, and one resource in full. Layout only: every number is
``analysis``'s (``EstateAssessment`` for the estate, ``ResourceDetail`` for the resource in view)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.estate_runs import Run
from analysis.types import EstateAssessment
from charts import cold_forward
from charts import costs as charts
from charts import resource as resource_charts
from charts.format import count, money, percent
from charts.overview import SERVICE_LABELS
from charts.text import md
from pricing import PricingError
from views import billing_panels, estate_tables, page_state
from views.assumptions import assumptions_panel
from views.boundary import without_server_paths
from views.common import (
    cached_detail,
    cached_options,
    cached_price_book,
    cached_selection,
    db_version,
    overrides_version,
)
from views.detail_charts import curves
from views.downloads import download_buttons
from views.page_state import (
    database_is_empty,
    empty_database_message,
    model_params,
    params_warning,
    set_model_params,
)

path = Path(st.session_state["db_path"])
filters = st.session_state["filters"]

st.title("Costs & alternatives")
st.caption(
    "Today's cost is priced from each resource's measured usage over exactly the span it was measured in the "
    "selected window, scaled to a 730-hour month. Every alternative replays the same measured traffic minute by "
    "minute (warm pools and cold starts, autoscaling, hybrid overflow) with the configuration in effect now. Every "
    "line names its price's source and retrieval date; ⚠ marks prices we could not confirm."
)

try:  # a problem with the price sheets or the overrides file is the first thing on the page, not hidden below
    book = cached_price_book(overrides_version())
except PricingError as exc:
    overrides_file = Path(overrides_version()[0] or ".")
    folders = (overrides_file.parent, overrides_file.resolve().parent)
    st.error(
        f"The prices could not be loaded, so nothing can be priced: {md(without_server_paths(str(exc), *folders))}. "
        "Fix the file named here (or unset BREAKEVEN_PRICE_OVERRIDES) and reload the page.",
        icon=":material/error:",
    )
    st.stop()

seeded = model_params()
if warning := params_warning():
    st.warning(f"A model assumption in the link was ignored: {md(warning)}", icon=":material/link_off:")

params = assumptions_panel(book, seeded, "m")  # the shared panel: the what-if fields of the link pass through
set_model_params(params)

# the resource in view is drawn first (one resource's replay); the estate's run (every page's one run:
# views.estate_tables) is started or joined meanwhile and fills the box above it when it is done
version = db_version(path)
selection = cached_selection(str(path), version, filters)
if not selection and database_is_empty(cached_options(str(path), version)):
    st.warning(empty_database_message(path), icon=":material/database:")
    st.stop()
if not selection:
    st.warning(
        "No resources with data match these filters. Widen the date range or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )
    st.stop()
estate_box = st.container()


def estate_section(estate: EstateAssessment) -> None:
    """The estate's totals, savings chart, table, the bill beside the model and the downloads."""
    if not estate.rows:
        st.warning(
            "No resources with data match these filters. Widen the date range or clear a filter in the sidebar.",
            icon=":material/filter_alt_off:",
        )
        return
    totals = estate.totals
    cols = st.columns(4)
    cols[0].metric(
        "Modelled cost today",
        f"{money(totals.today_usd, cents=False)}/mo",
        help="Sum over the priced resources at effective prices (list prices after your discounts and overrides).",
    )
    cols[1].metric("With the recommendations", f"{money(totals.recommended_usd, cents=False)}/mo")
    cols[2].metric(
        "Potential saving",
        f"{money(totals.saving_usd, cents=False)}/mo",
        percent(totals.saving_share) if totals.saving_share is not None else None,
    )
    cols[3].metric("Resources to review", f"{totals.to_review} of {totals.resources}")
    if totals.unconfirmed_usd or totals.incomplete:
        st.warning(
            f"{money(totals.unconfirmed_usd)}/month ({percent(totals.unconfirmed_share)} of today's total) rests on "
            "prices we could not confirm (⚠ below)"
            + (
                f"; {totals.incomplete} resource(s) miss a priced part (a GPU without a confirmed price)"
                if totals.incomplete
                else ""
            )
            + ".",
            icon=":material/warning:",
        )
    for note in totals.notes:
        st.caption(f"• {md(note)}")

    summary = charts.summary_frame(estate)
    st.plotly_chart(charts.savings_figure(summary), width="stretch")
    st.dataframe(
        charts.summary_display(summary),
        hide_index=True,
        width="stretch",
        key="cost_summary",
        column_config={**charts.SUMMARY_SHOWN, "verdict": st.column_config.TextColumn("Verdict", width="large")},
    )

    billing_panels.costs_panel(path, filters, params, estate)  # issue 13: the bill beside the model
    download_buttons(estate, "costs", billing_panels.billed_for(path, filters, params))


@st.fragment(run_every=1.0)
def estate_progress(run: Run) -> None:
    """The estate's run in words while it lasts (any session's, this key's), then the whole page again."""
    status = estate_tables.runner().status(run)
    if status.state in ("done", "failed"):
        st.rerun()
    st.markdown(md(estate_tables.progress_words(status)))
    st.progress(status.done / status.total if status.total else 0.0)


def estate_or_progress() -> None:
    """The estate's run started (or joined: another session's of the same key) once the resource in view is
    drawn, so the two replays do not share the cores; then the finished run drawn, its failure in words, or
    its progress refreshing itself until it is done (a stored or kept run is done at once)."""
    run = estate_tables.estate_run(str(path), version, filters, params, overrides_version())
    run.over.wait(estate_tables.FIRST_WAIT_S)
    status = estate_tables.runner().status(run)
    if status.state == "failed":
        failure = status.error or "an unexpected problem"
        st.error(
            f"The estate could not be replayed: {md(without_server_paths(failure, path.parent))}. The details are in "
            "the server's log.",
            icon=":material/error:",
        )
        if st.button("Try again", key="estate_retry"):
            estate_tables.runner().forget(run.key)
            st.rerun()
        return
    if status.state == "done":
        estate_section(run.result.estate)
        return
    estate_progress(run)


st.header("One resource in detail")
chosen = page_state.pick_resource(page_state.resource_names(selection), "cost_resource")
detail = cached_detail(str(path), version, filters, chosen, params, overrides_version())
if detail is None:
    st.info("This resource has no data in the selected window.", icon=":material/filter_alt_off:")
    with estate_box:
        estate_or_progress()
    st.stop()
row = detail.row
st.page_link("views/resource.py", label="Open in the Resource view (over time, history, assumptions)",
             icon=":material/query_stats:", query_params=st.query_params.to_dict())  # fmt: skip

st.subheader(f"Today: {md(SERVICE_LABELS.get(row.service, row.service))}")
if row.current.monthly_usd is None:
    st.error(f"Today's cost cannot be priced: {md(row.current.error or row.skipped_reason)}")
else:
    st.markdown(
        f"**{md(money(row.current.monthly_usd))} per month** from {md(count(row.measured_hours, 'hours'))} of measured "
        f"usage ({md(count(row.requests_per_month))} requests/month"
        + (
            f", {md(count(row.current.cold_starts_per_month))} cold starts/month"
            if row.current.cold_starts_per_month
            else ""
        )
        + ")."
    )
    st.dataframe(
        charts.lines_display(detail.today_lines),
        hide_index=True,
        width="stretch",
        column_config={**charts.LINE_COLUMNS, "source": st.column_config.LinkColumn("Source")},
    )
for note in dict.fromkeys([*detail.notes, *detail.today_notes]):
    st.caption(f"• {md(note)}")
st.info(md(row.verdict.text), icon=":material/lightbulb:")
others = [p for p in detail.periods if not p.current]
for period in others:
    st.caption(
        f"Shown apart: {md(period.config)} from {md(period.start[:16])} to {md(period.end[:16])} UTC, "
        f"{md(money(period.monthly_usd))}/month-equivalent (today and the options above cover the current "
        "configuration)."
    )

if detail.cold_starts is not None:
    cold = detail.cold_starts
    st.subheader("Cold starts and their fix")
    cols = st.columns(4)
    cols[0].metric("Measured / month", count(cold.measured_per_month))
    cols[1].metric("Modelled / month", count(cold.modelled_per_month))
    cols[2].metric("Init time", f"{count(cold.init_ms)} ms", help="measured mean" if cold.init_measured else "assumed")
    cols[3].metric("Added latency", f"{cold.added_latency_ms:,.1f} ms" if cold.added_latency_ms is not None else "—")
    st.caption(md(cold_forward.basis(cold)))
    fixes = charts.fixes_frame(detail)
    if not fixes.empty:
        st.dataframe(
            fixes,
            hide_index=True,
            width="stretch",
            column_config={
                "fix": "What removes them",
                "extra_usd": "Extra $/mo vs today",
                "cold_starts_left": "Cold starts left/mo",
            },
        )
        if cold.cheapest_fix:
            st.caption(f"Cheapest fix: {md(cold.cheapest_fix)}")

st.subheader("Options on the same traffic")
for option in detail.options:
    o = option.row
    cost, tag = charts.option_heading(o)
    with st.expander(f"{md(o.label)} — {md(cost)}{md(tag)}", expanded=not o.feasible):
        if not o.feasible:
            st.error(f"Not feasible: {md(o.reason)}", icon=":material/block:")
        st.dataframe(charts.assumptions_frame(option), hide_index=True, width="stretch")
        if option.lines:
            st.dataframe(
                charts.lines_display(option.lines),
                hide_index=True,
                width="stretch",
                column_config={**charts.LINE_COLUMNS, "source": st.column_config.LinkColumn("Source")},
            )
        for note in option.notes:
            st.caption(f"• {md(note)}")

curves(detail, row)
if detail.daily is not None:
    st.plotly_chart(
        resource_charts.cost_over_time_figure(detail.daily, resource_charts.best_hybrid(detail)), width="stretch"
    )
latency = charts.latency_frame(detail)
if not latency.empty:
    st.dataframe(
        latency,
        hide_index=True,
        width="stretch",
        column_config={
            "pattern": "Pattern",
            "mean_ms": "Mean (cold starts included)",
            "added_by_cold_starts_ms": "Added by cold starts",
            "p99_ms": "p99",
        },
    )

with estate_box:  # drawn above the resource, computed after it
    estate_or_progress()
