"""What-if: traffic scaled or grown, memory, architecture, instance type, provisioned concurrency, discounts, a
cache, a quantised or distilled model — every pattern's cost, cold starts and latency for the estate and for
one resource, baseline and what-if side by side, with the break-even chart before and after.

Layout only: both sides are ``analysis`` assessments and ``analysis.whatif`` computes every difference.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.scaled_peaks import rule_words
from analysis.whatif import baseline_of, compare_details, compare_estates
from analysis.whatif_billed import billed_baseline
from charts import cold_forward as forward
from charts import resource as resource_charts
from charts import whatif as charts
from charts.format import count, money
from charts.text import md
from pricing import PricingError
from views import billing_panels, page_state
from views.assumptions import assumptions_panel, seeded_params, sync_url, what_if_levers
from views.common import cached_detail, cached_estate, cached_price_book, db_version, overrides_version

path = Path(st.session_state["db_path"])
filters = st.session_state["filters"]
version = db_version(path)

st.title("What if…")
st.caption(
    "Change the traffic, the configuration, the prices or the model, and see every pattern's monthly cost, cold "
    "starts and latency move, for the whole estate and for one resource. The baseline is the same model with no "
    "what-if: with one active, today's cost is modelled on the changed traffic rather than measured."
)
try:
    book = cached_price_book(overrides_version())
except PricingError as exc:
    st.error(f"The prices could not be loaded, so nothing can be priced: {md(exc)}", icon=":material/error:")
    st.stop()

seeded = seeded_params()
with st.container(border=True):
    st.subheader("What if…")
    params = what_if_levers(book, seeded, "wi")
params = assumptions_panel(book, params, "wi", with_type=False)
sync_url(params)
base = baseline_of(params)
if params == base:
    st.info("Move a lever above: with none moved, the what-if equals the baseline.", icon=":material/tune:")
else:
    st.caption("What-if: " + md("; ".join(params.what_if_notes() or [f"endpoint type {params.instance_type}"])))

overrides = overrides_version()
view = billing_panels.billed_for(path, filters, params)  # the bill for the window (None: none imported)
at_bill_rates = view is not None and bool(view.rows) and billing_panels.bill_rates_toggle("wi_bill_rates")
if at_bill_rates and not view.calibrations:
    st.info("This bill implies no rate that differs from the prices in use.", icon=":material/info:")
    at_bill_rates = False
if at_bill_rates:  # both sides priced at the rates the bill implies (the Costs page shows their derivation)
    before = billing_panels.cached_bill_rates(str(path), version, filters, base, overrides).estate
    after = billing_panels.cached_bill_rates(str(path), version, filters, params, overrides).estate
else:
    before = cached_estate(str(path), version, filters, base, overrides)
    after = cached_estate(str(path), version, filters, params, overrides)
if not before.rows:
    st.warning(
        "No resources with data match these filters. Widen the date range or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )
    st.stop()
estate = compare_estates(before, after)

st.header("The estate")
cols = st.columns(4)
for col, label, change, fmt in (
    (cols[0], "Cost today", estate.today_usd, money),
    (cols[1], "With the recommendations", estate.recommended_usd, money),
    (cols[2], "Requests / month", estate.requests_per_month, count),
    (cols[3], "Cold starts / month", estate.cold_starts_per_month, count),
):
    unit = "/mo" if fmt is money else ""
    if change.delta is None:
        delta = None
    elif fmt is money:
        delta = f"{money(change.delta, signed=True)} vs {money(change.base)}/mo"
    else:
        delta = f"was {count(change.base)}"
    col.metric(
        label,
        f"{fmt(change.what_if)}{unit}",
        delta,
        delta_color="inverse" if fmt is money else "off",
        help="The what-if's figure; below it, the change from the baseline.",
    )
billed = billed_baseline(view, before)
if billed is not None:
    with st.container(border=True):
        st.metric(
            "Billed, same window",
            f"{money(billed.monthly_usd)}/mo",
            f"{money(billed.billed_usd)} billed vs {money(billed.modelled_usd)} modelled, same days",
            delta_color="off",
            help="What the imported bills charged the baseline's resources they cover (effective, amortised cost), "
            "as a 730-hour month, as `report` prints it per resource.",
        )
        st.caption(
            f"The bill for {billed.start:%d %b} – {billed.end:%d %b %Y} covers {billed.covered} of "
            f"{billed.resources} resources. It sits beside the **baseline** only: a bill records what was spent, "
            "so every what-if figure on this page is **modelled** (a bill cannot be what-if'd)."
            + (
                " Both sides are priced at the bill's effective rates (turn the toggle off for the prices in use)."
                if at_bill_rates
                else ""
            )
        )
st.caption(
    "Cold starts in the baseline are measured where the platform reports them. Under a what-if that measurement "
    "is carried forward by the model's response: the part the warm-pool model accounts for grows as its cold "
    "starts do, the part it does not see (environment recycling, deployments) as its warm instance-time; a "
    "hybrid or provisioned concurrency keeps the part of each its own pool keeps (recycled always-on instances "
    "are replaced warm). Each resource's basis is under One resource."
)
peak_rule = rule_words(params)
if peak_rule is not None:
    st.caption(md(peak_rule))
st.plotly_chart(charts.estate_figure(estate), width="stretch")
st.dataframe(
    charts.estate_frame(estate),
    hide_index=True,
    width="stretch",
    key="wi_estate",
    column_config={
        "resource": "Resource",
        "service": "Service",
        "today_base": "Today $/mo",
        "today_what_if": "What-if $/mo",
        "today_change": "Change",
        "recommended_base": "Recommended $/mo",
        "recommended_what_if": "What-if recommended $/mo",
        "recommended_change": "Change ",
        "cold_starts_base": "Cold starts/mo",
        "cold_starts_what_if": "What-if cold starts/mo",
        "action": "Action",
    },
)

st.header("One resource")
chosen = page_state.pick_resource(page_state.resource_names(before.rows), "wi_resource")
old = cached_detail(str(path), version, filters, chosen, base, overrides)
new = cached_detail(str(path), version, filters, chosen, params, overrides)
if old is None or new is None:
    st.stop()
one = compare_details(old, new, params)
cols = st.columns(3)
today = next(p for p in one.patterns if p.kind == "today")
cols[0].metric(
    "Today", f"{money(today.monthly_usd.what_if)}/mo",
    f"{money(today.monthly_usd.delta, signed=True)} vs {money(today.monthly_usd.base)}/mo"
    if today.monthly_usd.delta is not None else None,
    delta_color="inverse",
)  # fmt: skip
cols[1].metric("Requests / month", count(one.requests_per_month.what_if), f"was {count(one.requests_per_month.base)}",
               delta_color="off")  # fmt: skip
cols[2].metric(
    "Break-even requests / month", count(one.break_even_requests_per_month.what_if),
    f"was {count(one.break_even_requests_per_month.base)}", delta_color="off",
)  # fmt: skip
if billed is not None and chosen in billed.resource_monthly:
    st.caption(
        f"Billed for this resource over the same window: {md(money(billed.resource_monthly[chosen]))}/mo, beside "
        f"the baseline's {md(money(today.monthly_usd.base))}/mo; the what-if's {md(money(today.monthly_usd.what_if))}"
        "/mo is modelled."
        + (" This section is priced at the prices in use, not the bill's rates." if at_bill_rates else "")
    )
left, right = st.columns(2)
left.markdown(f"**Baseline:** {md(one.verdict_base)}")
right.markdown(f"**What-if:** {md(one.verdict_what_if)}")
st.plotly_chart(charts.patterns_figure(one), width="stretch")
st.dataframe(
    charts.patterns_frame(one),
    hide_index=True,
    width="stretch",
    key="wi_patterns",
    column_config={
        "option": st.column_config.TextColumn("Pattern", width="large"),
        "monthly_base": "Baseline $/mo",
        "monthly_what_if": "What-if $/mo",
        "monthly_change": "Change",
        "change_share": "Change %",
        "cold_starts_base": "Cold starts/mo",
        "cold_starts_what_if": "What-if cold starts/mo",
        "latency_base": "Mean latency",
        "latency_what_if": "What-if mean latency",
        "p99_base": "p99",
        "p99_what_if": "What-if p99",
        "feasible": "Feasible under the what-if",
    },
)
penalty = one.cold_start_penalty_ms
if penalty.base is not None or penalty.what_if is not None:
    st.caption(
        f"Cold starts add {md(resource_charts.penalty_ms(penalty.base))} to today's mean latency in the baseline, "
        f"{md(resource_charts.penalty_ms(penalty.what_if))} under the what-if. Cheapest fix: "
        f"{md(one.cheapest_fix_base or '—')} → {md(one.cheapest_fix_what_if or '—')}."
    )
if new.cold_starts is not None:
    st.caption(f"Cold starts under the what-if: {md(forward.basis(new.cold_starts))}")
    if new.cold_starts.measured_per_month is not None:
        with st.expander("Cold starts: measured, modelled and how they combine"):
            st.dataframe(
                forward.basis_frame(new.cold_starts),
                hide_index=True,
                width="stretch",
                key="wi_cold_basis",
                column_config={"part": "Part", "per_month": "Cold starts / month", "grows": "Under the what-if",
                               "how": "How"},
            )  # fmt: skip
left, right = st.columns(2)
span = resource_charts.shared_range(old.break_even, new.break_even)  # both on one scale: the point visibly moves
if old.break_even is not None:
    left.plotly_chart(
        resource_charts.break_even_figure(old.break_even, "Break-even, baseline", span),
        width="stretch",
        key="wi_be_base",
    )
if new.break_even is not None:
    after_chart = resource_charts.break_even_figure(new.break_even, "Break-even, what-if", span)
    right.plotly_chart(after_chart, width="stretch", key="wi_be_new")
if old.break_even is None and new.break_even is None:
    st.caption("No break-even chart: this resource has no FaaS and endpoint pair to compare on its traffic.")
st.page_link("views/resource.py", label="This resource in full", icon=":material/query_stats:",
             query_params=st.query_params.to_dict())  # fmt: skip
