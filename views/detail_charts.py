"""The break-even and hybrid charts of one resource, side by side with their captions: what the Resource
view and the Costs page's detail both show (UI only; the figures are ``charts.resource``'s)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from charts import resource as charts
from charts.format import count
from charts.text import md


def curves(detail: Any, row: Any) -> None:
    """Break-even (with today's volume) on the left, the hybrid curve (with its notes) on the right; either is
    left out where the analysis has none for this resource."""
    left, right = st.columns(2)
    if detail.break_even is not None:
        left.plotly_chart(charts.break_even_figure(detail.break_even), width="stretch")
        be = row.break_even_requests_per_month
        left.caption(
            f"Break-even: {md(count(be))} requests/month; today {md(count(row.requests_per_month))}."
            if be is not None
            else "No break-even on this traffic's shape: one side stays cheaper at every volume shown."
        )
    if detail.hybrid is not None:
        right.plotly_chart(charts.hybrid_figure(detail.hybrid), width="stretch")
        right.caption(" ".join(md(n) for n in detail.hybrid.notes))
