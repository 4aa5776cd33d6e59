"""The model-assumptions panel and the what-if levers, shared by the Resource view and the What-if page.

Both read their starting values from the URL's ``m_*`` parameters (``ModelParams.from_query``) and write the
values in effect back, so a shared link reproduces the view. Widgets only: every number they feed is computed
by ``analysis``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from analysis.params import RANGES, ModelParams, ParamsError
from charts.text import md, md_code
from common.limits import ARCHITECTURES
from views import page_state

TRAFFIC_STEPS = (0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0)
MEMORY_STEPS = (128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240)


def seeded_params() -> ModelParams:
    """The view's assumptions as every page shares them (``views.page_state``: the link's, else the session's);
    a bad value in the link is one warning naming it."""
    params = page_state.model_params()
    if warning := page_state.params_warning():
        st.warning(f"A model assumption in the link was ignored: {md(warning)}", icon=":material/link_off:")
    return params


def assumptions_panel(book: Any, seeded: ModelParams, key: str, with_type: bool = True) -> ModelParams:
    """The replay models' assumptions (keep-alive, init, utilisation, minimum instances, autoscaling, free
    tiers, a fixed endpoint type): ``seeded`` with the user's choices; the what-if fields pass through."""
    with st.expander("Model assumptions", icon=":material/tune:"):
        cols = st.columns(4)
        keep_alive = cols[0].number_input(
            "FaaS keep-alive (s)", 0.0, 7200.0, float(seeded.keep_alive_s), 60.0, key=f"{key}_keep",
            help="Idle time after which a function instance is reclaimed (no provider documents it: unconfirmed).",
        )  # fmt: skip
        init = cols[1].number_input(
            "Init time (ms)", 0.0, 600000.0, seeded.init_ms, 100.0, key=f"{key}_init", placeholder="measured",
            help="Cold-start time; empty: the resource's measured mean, else the engine's default.",
        )  # fmt: skip
        target = cols[2].number_input(
            "Target utilisation", 0.05, 1.0, seeded.target_utilization, 0.05, key=f"{key}_util",
            placeholder="platform default", help="How busy autoscaling keeps endpoint instances; empty: SageMaker "
            "0.7, Vertex 0.6.",
        )  # fmt: skip
        minimum = cols[3].number_input("Minimum instances", 0, 100, seeded.min_instances, 1, key=f"{key}_min")
        cols = st.columns(4)
        autoscaling = cols[0].toggle("Autoscaled endpoints", seeded.autoscaling, key=f"{key}_auto")
        free_tier = cols[1].toggle(
            "Apply free tiers", seeded.free_tier, key=f"{key}_free",
            help="Once per account and service, shared by its resources by requests.",
        )  # fmt: skip
        fixed = seeded.instance_type
        if with_type:
            fixed = instance_type_box(book, seeded.instance_type, f"{key}_type", cols[2])
        try:
            params = replace(
                seeded,
                keep_alive_s=keep_alive,
                init_ms=init,
                target_utilization=target,
                autoscaling=autoscaling,
                min_instances=int(minimum),
                free_tier=free_tier,
                instance_type=fixed,
            )
        except ParamsError as exc:
            st.error(md(exc))
            params = seeded
        st.caption(
            f"Price sheets: bundled, {md(', '.join(sorted({p.source.retrieved for p in book.prices.values()})))}"
            + (f"; overrides: {md_code(book.overrides_path)}" if book.overrides_path else "; no overrides file.")
        )
    return params


def instance_type_box(book: Any, current: str, key: str, where: Any = st) -> str:
    types = ["", *sorted(book.machines)]
    return where.selectbox(
        "Endpoint type",
        types,
        index=types.index(current) if current in types else 0,
        format_func=lambda v: v or "cheapest that fits",
        key=key,
        help="Price every endpoint option on this instance type instead of the cheapest that fits.",
    )


def what_if_levers(book: Any, seeded: ModelParams, key: str) -> ModelParams:
    """Traffic (a multiple, or growth per month over months), memory, architecture, instance type,
    provisioned concurrency, discounts, a cache and a quantised or distilled model."""
    steps = sorted({*TRAFFIC_STEPS, float(seeded.traffic_scale)})
    cols = st.columns(3)
    scale = cols[0].select_slider(
        "Traffic ×", steps, value=float(seeded.traffic_scale), key=f"{key}_scale",
        format_func=lambda v: f"×{v:g}", help="Every measured request multiplied, its shape over time kept.",
    )  # fmt: skip
    growth = cols[1].number_input(
        "Growth per month (%)", RANGES["growth_per_month"][0] * 100, RANGES["growth_per_month"][1] * 100,
        seeded.growth_per_month * 100, 5.0, key=f"{key}_growth", help="Compounded over the months on the right.",
    )  # fmt: skip
    months = cols[2].number_input(
        "Over months", 0.0, RANGES["growth_months"][1], float(seeded.growth_months), 1.0, key=f"{key}_months"
    )
    cols = st.columns(3)
    memories = [None, *sorted({*MEMORY_STEPS, *([seeded.memory_mb] if seeded.memory_mb else [])})]
    memory = cols[0].selectbox(
        "FaaS memory (MB)", memories, index=memories.index(seeded.memory_mb), key=f"{key}_memory",
        format_func=lambda v: "as configured" if v is None else f"{v:,} MB",
        help="Lambda and Cloud Functions: CPU scales with memory, so duration changes too (up to one vCPU).",
    )  # fmt: skip
    arches = ["", *ARCHITECTURES]
    arch = cols[1].selectbox(
        "Architecture", arches, index=arches.index(seeded.architecture), key=f"{key}_arch",
        format_func=lambda v: v or "as configured", help="Lambda only: x86_64 or arm64 (Graviton) prices.",
    )  # fmt: skip
    fixed = instance_type_box(book, seeded.instance_type, f"{key}_type", cols[2])
    cols = st.columns(3)
    provisioned = cols[0].number_input(
        "Provisioned concurrency", 0, int(RANGES["provisioned_concurrency"][1]), seeded.provisioned_concurrency, 1,
        key=f"{key}_pc", placeholder="as configured", help="Lambda: instances kept warm (empty: as configured).",
    )  # fmt: skip
    discount = cols[1].slider(
        "Discount on every price (%)", 0.0, RANGES["discount_pct"][1], float(seeded.discount_pct), 1.0,
        key=f"{key}_discount", help="A savings plan or negotiated rate, applied to list prices.",
    )  # fmt: skip
    cols = st.columns(4)
    hit = cols[0].slider(
        "Cache hit rate", 0.0, RANGES["cache_hit_rate"][1], float(seeded.cache_hit_rate), 0.01, key=f"{key}_hit",
        help="Share of requests a result or feature cache answers: they never reach the model.",
    )  # fmt: skip
    cache_price = cols[1].number_input(
        "Cache $ per million requests", 0.0, RANGES["cache_usd_per_million"][1], float(seeded.cache_usd_per_million),
        0.1, key=f"{key}_cache_usd", help="The cache's own price, charged on every request (hits and misses).",
    )  # fmt: skip
    latency = cols[2].number_input(
        "Model latency ×", *RANGES["latency_multiplier"], float(seeded.latency_multiplier), 0.05, key=f"{key}_lat",
        help="A quantised or distilled model: 0.5 = twice as fast.",
    )  # fmt: skip
    memory_x = cols[3].number_input(
        "Model memory ×", *RANGES["memory_multiplier"], float(seeded.memory_multiplier), 0.05, key=f"{key}_mem",
        help="A smaller model needs less memory: FaaS and serverless sizes shrink with it.",
    )  # fmt: skip
    try:
        return replace(
            seeded,
            traffic_scale=float(scale),
            growth_per_month=float(growth) / 100.0,
            growth_months=float(months),
            memory_mb=memory,
            architecture=arch,
            instance_type=fixed,
            provisioned_concurrency=None if provisioned is None else int(provisioned),
            discount_pct=float(discount),
            cache_hit_rate=float(hit),
            cache_usd_per_million=float(cache_price),
            latency_multiplier=float(latency),
            memory_multiplier=float(memory_x),
        )
    except ParamsError as exc:
        st.error(md(exc))
        return seeded


def sync_url(params: ModelParams) -> None:
    """The session and the URL's ``m_*`` parameters follow ``params``, so another page opened next (whose link
    Streamlit's navigation strips) and a shared link both show these assumptions."""
    page_state.set_model_params(params)
