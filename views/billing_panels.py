"""The bill on the pages (issue 13): the Costs page's reconciliation and its view at the bill's rates, and
the Overview's spend line. Layout only: every figure is ``analysis.billed``'s or ``analysis.spend``'s (the
same ``BilledView`` ``report`` prints), cached here per database version, window and prices.

Kept apart from ``views/costs.py`` and ``views/overview.py`` so those pages call one function each.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from analysis.params import ModelParams
from charts import billing as charts
from charts.format import money, percent
from charts.text import md
from store import queries as q
from views.common import cached_price_book, db_version, overrides_version

BILL_RATES_KEY = "bill_rates"  # the toggle, mirrored in the URL as bill_rates=1


@st.cache_data(ttl=3600, show_spinner="Reading the bill beside the model…")
def cached_billed(
    path: str, version: tuple[float, float], f: q.Filters, free_tier: bool, overrides: tuple[str, int, int]
) -> Any:
    """``analysis.billed.billed_view`` for the window (None without an imported bill)."""
    from analysis.billed import billed_view

    return billed_view(Path(path), f, cached_price_book(overrides), free_tier=free_tier)


@st.cache_data(ttl=3600, show_spinner="Pricing every option at the bill's rates…")
def cached_bill_rates(
    path: str, version: tuple[float, float], f: q.Filters, params: ModelParams, overrides: tuple[str, int, int]
) -> Any:
    """The estate at the bill's effective rates (``analysis.billed.at_bill_rates``)."""
    from analysis.billed import at_bill_rates

    book = cached_price_book(overrides)
    view = cached_billed(path, version, f, params.free_tier, overrides)
    return at_bill_rates(Path(path), f, params, view, book)


@st.cache_data(ttl=3600, show_spinner="Adding up the window's spend…")
def cached_spend(path: str, version: tuple[float, float], f: q.Filters, overrides: tuple[str, int, int]) -> Any:
    """``analysis.spend``: billed where a bill covers the window, modelled otherwise (the stored summary's
    when it matches: ``analysis.stored_summary``)."""
    from analysis.stored_summary import bill_spend_for

    return bill_spend_for(Path(path), f, cached_price_book(overrides))


def billed_for(path: Path, filters: q.Filters, params: ModelParams) -> Any:
    """The page's bill beside the model (cached; None without an imported bill), for its downloads."""
    return cached_billed(str(path), db_version(path), filters, params.free_tier, overrides_version())


def _pct(value: float | None) -> str | None:
    return None if value is None else percent(value / 100, signed=True, digits=1)


def overview_spend(path: Path, filters: q.Filters) -> None:
    """One metric: the window's spend, billed where a bill covers it, modelled otherwise, saying which."""
    result = cached_spend(str(path), db_version(path), filters, overrides_version())
    if not result.resources:
        return
    st.metric(
        f"Spend {result.start:%d %b} – {result.end:%d %b %Y} ({result.basis})",
        money(result.total()),
        help=md(result.basis_text() + (" · " + " · ".join(result.notes) if result.notes else "")),
    )
    st.caption(md(result.basis_text()))


def _reconciliation_table(view: Any, names: Mapping[str, str]) -> None:
    frame = charts.reconciliation_frame(view, names)
    st.plotly_chart(charts.difference_figure(frame), width="stretch")
    st.dataframe(
        frame.drop(columns=["resource_id"]),
        hide_index=True,
        width="stretch",
        key="bill_reconciliation",
        column_config={
            "name": "Resource",
            "days": "Days compared",
            "billed_usd": st.column_config.NumberColumn("Billed $", format="dollar"),
            "modelled_usd": st.column_config.NumberColumn("Modelled $", format="dollar"),
            "difference_usd": st.column_config.NumberColumn("Difference $", format="dollar"),
            "difference_pct": st.column_config.NumberColumn("Difference %", format="%+.1f %%"),
            "explained_by": "Explained by",
            "explanation": st.column_config.TextColumn("How", width="large"),
            "source": "Bill",
        },
    )
    ids = list(frame["resource_id"])
    with st.expander("Every line of one resource's difference", icon=":material/receipt_long:"):
        chosen = st.selectbox("Resource", ids, format_func=lambda r: names.get(r, r), key="bill_effects_resource")
        row = view.row(chosen)
        st.dataframe(charts.effects_frame(view, chosen), hide_index=True, width="stretch", key="bill_effects")
        for note in row.notes if row else ():
            st.caption(f"• {md(note)}")


def _unmatched(view: Any) -> None:
    if view.unmatched_usd:
        st.subheader("Spend that matches no resource")
        st.caption(
            "Kept, never dropped: charges without a resource id (an export made without them, or a service "
            "that bills per account) or naming a resource Breakeven does not know, per billed service."
        )
        st.dataframe(
            charts.unmatched_frame(view),
            hide_index=True,
            width="stretch",
            key="bill_unmatched",
            column_config={"usd": st.column_config.NumberColumn("Billed $", format="dollar")},
        )
    if view.account_charges:
        st.caption(
            "The accounts' own charges (not any resource's): "
            + md(", ".join(f"{c.category.replace('_', ' ')} {c.account} {money(c.usd)}" for c in view.account_charges))
        )


def bill_rates_toggle(key: str = BILL_RATES_KEY) -> bool:
    """The toggle to the bill's effective rates, mirrored in the URL as ``bill_rates=1`` (so it follows the user
    from the Costs page to the What-if page)."""
    wanted = st.query_params.get(BILL_RATES_KEY) == "1"
    on = st.toggle(
        "Show the alternatives at the bill's effective rates",
        wanted,
        key=key,
        help="Prices every resource and option at the rates this bill implies (a measured Savings Plan or "
        "committed-use discount, a billed unit price the sheets do not have), for this view only.",
    )
    if on != wanted:
        if on:
            st.query_params[BILL_RATES_KEY] = "1"
        else:
            del st.query_params[BILL_RATES_KEY]
    return on


def _bill_rates(path: Path, filters: q.Filters, params: ModelParams, estate: Any, view: Any) -> None:
    if not bill_rates_toggle():
        return
    if not view.calibrations:
        st.info("This bill implies no rate that differs from the prices in use.", icon=":material/info:")
        return
    rates = cached_bill_rates(str(path), db_version(path), filters, params, overrides_version())
    st.caption("The rates the bill implies, each with its derivation:")
    st.dataframe(
        charts.calibration_frame(rates.calibrations),
        hide_index=True,
        width="stretch",
        key="bill_calibration",
        column_config={"derivation": st.column_config.TextColumn("Derivation", width="large")},
    )
    for rule in rates.set_aside:
        st.caption(f"• Set aside in this view (the bill measured its service): {md(rule)}")
    totals = rates.estate.totals
    cols = st.columns(3)
    cols[0].metric("Today at the bill's rates", f"{money(totals.today_usd, cents=False)}/mo")
    cols[1].metric("With the recommendations", f"{money(totals.recommended_usd, cents=False)}/mo")
    cols[2].metric("Resources to review", f"{totals.to_review} of {totals.resources}")
    st.dataframe(
        charts.bill_rates_frame(estate, rates.estate).drop(columns=["resource_id"]),
        hide_index=True,
        width="stretch",
        key="bill_rates_table",
        column_config={
            "name": "Resource",
            "list_usd": st.column_config.NumberColumn("Today $/mo (prices in use)", format="dollar"),
            "bill_usd": st.column_config.NumberColumn("Today $/mo (bill's rates)", format="dollar"),
            "list_best": "Best option (prices in use)",
            "bill_best": "Best option (bill's rates)",
            "bill_best_usd": st.column_config.NumberColumn("Option $/mo (bill's rates)", format="dollar"),
            "bill_saving_usd": st.column_config.NumberColumn("Saving $/mo (bill's rates)", format="dollar"),
            "list_action": "Action (prices in use)",
            "bill_action": "Action (bill's rates)",
            "bill_verdict": st.column_config.TextColumn("Verdict at the bill's rates", width="large"),
        },
    )


def costs_panel(path: Path, filters: q.Filters, params: ModelParams, estate: Any) -> None:
    """The Costs page's bill section: billed against modelled per resource for the same days, the line that
    explains each difference, unmatched spend per service, and the toggle to the bill's effective rates."""
    st.header("Billed against modelled")
    view = cached_billed(str(path), db_version(path), filters, params.free_tier, overrides_version())
    if view is None:
        st.caption(
            "No imported bill covers this window's whole days. Import a FOCUS, AWS CUR 2.0 or Google Cloud "
            "billing export on the Upload page to see what was billed beside each modelled cost."
        )
        return
    if not view.rows:
        st.info(
            "The imported bills cover none of the selected resources' accounts on this window's days: choose "
            "an invoice month in the sidebar.",
            icon=":material/calendar_month:",
        )
        _unmatched(view)
        return
    cols = st.columns(4)
    cols[0].metric(
        "Billed, same days",
        money(view.billed_usd),
        help="Effective (amortised) cost of the charges on the days each resource's bill covers.",
    )
    cols[1].metric("Modelled, same days", money(view.modelled_usd))
    cols[2].metric(
        "Billed − modelled", money(view.difference_usd, signed=True), _pct(view.difference_pct), delta_color="off"
    )
    cols[3].metric("Unmatched spend", money(view.unmatched_total))
    st.caption(
        f"Whole UTC days of the window: {view.start:%d %b} – {view.end:%d %b %Y}. "
        + (f"{len(view.uncovered)} selected resource(s) have no bill covering their account." if view.uncovered else "")
    )
    names = {r.resource_id: r.name for r in estate.rows}
    _reconciliation_table(view, names)
    _unmatched(view)
    _bill_rates(path, filters, params, estate, view)


def resource_panel(path: Path, filters: q.Filters, resource_id: str, free_tier: bool) -> None:
    """One resource's bill beside its model for the window's whole days (the Resource view's line), or why not."""
    view = cached_billed(str(path), db_version(path), filters, free_tier, overrides_version())
    row = next((r for r in view.rows if r.resource_id == resource_id), None) if view is not None else None
    if row is None:
        reason = "no imported bill covers this window" if view is None else "no bill covers this resource's account"
        st.caption(f"Billed: — ({reason}; import a FOCUS, CUR 2.0 or GCP billing export on the Upload page).")
        return
    cols = st.columns(3)
    cols[0].metric(f"Billed {row.start:%d %b} – {row.end:%d %b %Y}", money(row.window_usd), help=md(row.source))
    cols[1].metric("Modelled, same days", money(row.modelled_usd))
    cols[2].metric("Difference", money(row.difference_usd, signed=True), _pct(row.difference_pct), delta_color="off")
    if row.explained_by:
        st.caption(md(f"Explained by {row.explained_by}" + (f": {row.explanation}" if row.explanation else "")))
