"""charts.cold_forward: the sentence and the table that say how a cold-start figure was reached, from
hand-built ColdStarts (the demo's fraud-score under traffic ×2)."""

from __future__ import annotations

from analysis.types import ColdStarts
from charts.cold_forward import basis, basis_frame


def _cold(rule: str, measured: float | None = 11_882.8) -> ColdStarts:
    return ColdStarts(
        measured_per_month=measured,
        modelled_per_month=475.1,
        init_ms=180.0,
        init_measured=True,
        share_of_requests=1.6e-5,
        added_latency_ms=0.003,
        fixes=(),
        cheapest_fix=None,
        estimate_per_month=18_500.4,
        modelled_base_per_month=241.1,
        seen_per_month=241.1,
        unseen_per_month=11_641.7,
        seen_growth=1.3,
        unseen_growth=1.56,
        rule=rule,
    )


def test_a_carried_figure_names_its_parts_and_their_growth() -> None:
    text = basis(_cold("carried"))
    assert "Measured: 11,883 a month" in text and "accounts for 241" in text and "11,642 are causes" in text
    assert "(×1.30)" in text and "(×1.56)" in text and "18,500 a month" in text and "model alone: 475" in text
    frame = basis_frame(_cold("carried")).set_index("part")
    assert frame.loc["Measured (measured traffic)", "per_month"] == "11,883"
    assert frame.loc["… causes the model does not see", "grows"] == "×1.56"
    assert frame.loc["Used for cost and latency", "per_month"] == "18,500"


def test_without_a_what_if_nothing_grows_and_unmeasured_is_said_plainly() -> None:
    text = basis(_cold("measured"))
    assert text.startswith("Measured: 11,883 a month;") and "what-if" not in text
    assert set(basis_frame(_cold("measured"))["grows"]) == {""}
    assert basis(_cold("modelled", measured=None)).startswith("Modelled: 18,500 a month")
