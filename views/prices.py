"""Prices: the price book every modelled number uses, with provenance, list against effective price, and an
editor for the user's discounts and overrides."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from charts import prices as shape
from charts.text import md
from common.services import PROVIDER_LABELS, service_label
from common.settings import settings
from pricing import PriceBook, PricingError
from pricing.listing import price_rows
from views.boundary import without_server_paths
from views.common import cached_price_book, overrides_version
from views.price_editor import cached_bundled_book, rules_editor

filters = st.session_state["filters"]
overrides_path = settings().price_overrides

st.title("Prices")
st.caption(
    "Every price the pages and `python -m breakeven report` use (the rows `python -m breakeven prices` prints): "
    "the list price, your effective price after the discounts and overrides below, and where each price came "
    "from, when, and how sure we are of it. Source links open the provider's page in your browser; this page "
    "fetches nothing."
)


def _book_in_use() -> PriceBook:
    """The book the Costs page prices with (same cache). A missing or broken overrides file is said once here;
    the table then shows list prices and the editor below can fix the file."""
    if overrides_path is not None and not overrides_path.exists():
        return cached_bundled_book()
    try:
        return cached_price_book(overrides_version())
    except PricingError as exc:
        folders = (overrides_path.parent, overrides_path.resolve().parent) if overrides_path else ()
        st.error(
            f"Your overrides file cannot be used, so the Costs page cannot price anything and this table shows "
            f"list prices: {md(without_server_paths(str(exc), *folders))}. Fix the rule it names below (or in a "
            "text editor) and the page picks it up.",
            icon=":material/error:",
        )
        return cached_bundled_book()


book = _book_in_use()
# the sidebar's provider, service and region filters apply to prices too (accounts do not)
followed = price_rows(book, providers=filters.providers, services=filters.services, regions=filters.regions)
sidebar_terms = [
    ("provider", [PROVIDER_LABELS.get(p, p) for p in filters.providers]),
    ("service", [service_label(s) for s in filters.services]),
    ("region", list(filters.regions)),
]
following = "; ".join(f"{name} {', '.join(values)}" for name, values in sidebar_terms if values)
if following:
    st.caption(f"Following the sidebar: {md(following)}. Clear those filters there to see every price.")

cols = st.columns(5)
pick_provider = cols[0].multiselect(
    "Provider",
    sorted({r.provider for r in followed}),
    key="p_provider",
    format_func=lambda p: PROVIDER_LABELS.get(p, p),
    placeholder="All",
)
pick_service = cols[1].multiselect(
    "Service", sorted({r.service for r in followed}), key="p_service", format_func=service_label, placeholder="All"
)
pick_region = cols[2].multiselect("Region", sorted({r.region for r in followed}), key="p_region", placeholder="All")
pick_confidence = cols[3].multiselect(
    "Confidence",
    list(shape.CONFIDENCE_MARK),
    key="p_confidence",
    format_func=shape.CONFIDENCE_MARK.get,
    placeholder="All",
)
only_adjusted = cols[4].toggle("Changed only", key="p_adjusted", help="Only the prices your rules change")
rows = [
    r
    for r in followed
    if (not pick_provider or r.provider in pick_provider)
    and (not pick_service or r.service in pick_service)
    and (not pick_region or r.region in pick_region)
    and (not pick_confidence or r.confidence in pick_confidence)
    and (r.adjusted or not only_adjusted)
]

counts = shape.confidence_counts(rows)
tiles = st.columns(5)
tiles[0].metric("Prices shown", f"{len(rows):,}", help=f"of {len(book.prices):,} in the book")
tiles[1].metric("Verified", f"{counts['verified']:,}", help="Read from the provider's own page or pricing API.")
tiles[2].metric("Third-party", f"{counts['third-party']:,}", help="Quoted by a public source other than the provider.")
tiles[3].metric("Unconfirmed", f"{counts['unconfirmed']:,}", help="Assumed or derived: check before relying on it.")
tiles[4].metric("Changed by your rules", f"{sum(r.adjusted for r in rows):,}")

if not rows:
    st.warning(
        "No prices match these filters"
        + (
            ": the sidebar's region or service may be one the price book does not price, so resources there "
            "cannot be priced."
            if following
            else "."
        ),
        icon=":material/filter_alt_off:",
    )
else:
    st.dataframe(
        shape.prices_frame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "Source": st.column_config.LinkColumn("Source", help="Opens in your browser; never fetched by the page"),
            "Volume tiers (effective)": st.column_config.TextColumn(width="large"),
            "Your rules": st.column_config.TextColumn(width="medium"),
            "Note": st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(
        "Effective = your override if one matches, else the list price, less your discount; the list price is "
        "kept on every cost line beside it. Volume tiers are monthly, per account. ⚠ unconfirmed prices show "
        "so on every cost line that uses them."
    )

reused = shape.reuse_frame(rows)
st.subheader("Prices that reuse another region's figures")
if reused.empty:
    st.caption("None of the prices shown: each is its own region's figure.")
else:
    st.caption(
        "These regions have no price of their own in the sheets: the figures are another region's, assumed "
        "equal (so marked unconfirmed). A refresh from the provider's pricing API replaces them."
    )
    st.dataframe(reused, hide_index=True, width="stretch")

st.subheader("Your discounts and overrides")
st.caption(
    "A discount takes a percent off the list price of the items it names (Savings Plans, committed use "
    "discounts); an override replaces a price with your own (private or EDP rates). Every value is checked "
    "before anything is saved. The format is in docs/pricing.md, “Overrides and discounts”."
)
rules_editor(Path(overrides_path) if overrides_path else None)
