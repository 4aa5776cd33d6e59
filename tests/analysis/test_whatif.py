"""analysis.whatif: the baseline of a what-if, and two assessments compared — differences worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.params import ModelParams
from analysis.types import CurrentRow, EstateAssessment, Verdict
from analysis.whatif import Change, baseline_of, compare_details, compare_estates
from charts import whatif as charts
from tests.charts.resource_fixtures import detail, estate, row


def test_the_baseline_resets_every_lever_and_keeps_the_assumptions() -> None:
    params = ModelParams(keep_alive_s=60, min_instances=2, traffic_scale=2, memory_mb=1024, instance_type="ml.c5.large")
    assert baseline_of(params) == ModelParams(keep_alive_s=60, min_instances=2)
    assert not baseline_of(params).what_if


def test_a_change_knows_its_difference_and_share() -> None:
    assert Change(200.0, 250.0).delta == 50.0 and Change(200.0, 250.0).share == 0.25
    assert Change(None, 250.0).delta is None and Change(0.0, 5.0).share is None


def _estates() -> tuple[EstateAssessment, EstateAssessment]:
    idle = row("idle", today=100.0, requests=1000.0, pattern="endpoint", service="sagemaker-endpoint",
               best=None, verdict=Verdict("keep", "keep"), current=CurrentRow(100.0, 0.0, False, False))  # fmt: skip
    fraud = row()
    base = estate((fraud, idle), 331.82, 215.48)
    fraud2 = row(today=465.42, requests=2 * 591_657_991.0, current=CurrentRow(465.42, 475.1, False, False))
    fraud2 = replace(fraud2, best=replace(fraud2.best, monthly_usd=193.93, saving_usd=271.49))
    return base, estate((fraud2, idle), 565.42, 293.93)


def test_two_estates_compared_row_by_row_and_by_pattern() -> None:
    cmp = compare_estates(*_estates())
    assert cmp.today_usd.delta == pytest.approx(233.60)
    assert cmp.recommended_usd == Change(215.48, 293.93)
    assert dict(cmp.by_pattern) == {"endpoint": Change(100.0, 100.0), "faas": Change(231.82, 465.42)}
    assert cmp.requests_per_month == Change(591_658_991.0, 1_183_316_982.0)
    assert cmp.cold_starts_per_month.base == pytest.approx(11_882.8) and cmp.cold_starts_per_month.what_if == 475.1
    fraud, idle = cmp.rows
    assert fraud.best_usd == Change(115.48, 193.93) and idle.best_usd == Change(100.0, 100.0)  # keep: today
    table = charts.estate_frame(cmp).set_index("resource")
    assert table.loc["fraud-score", "today_change"] == "+$233.60"
    assert table.loc["fraud-score", "recommended_change"] == "+$78.45"
    assert table.loc["idle", "today_change"] == "$0.00" and table.loc["idle", "action"] == "keep"


def test_two_details_matched_by_what_each_option_is_not_by_its_label() -> None:
    base = detail()
    changed = detail(today=465.42, requests=2 * 591_657_991.0, pc_usd=600.10)
    hybrid = changed.options[0]
    relabelled = replace(hybrid, row=replace(hybrid.row, label="Hybrid: 3 × ml.c5.large + Lambda", monthly_usd=298.68))
    changed = replace(changed, options=(relabelled, *changed.options[1:]))
    cmp = compare_details(base, changed, ModelParams(traffic_scale=2))
    assert cmp.what_if == ("traffic ×2",)
    today, hyb, pc, endpoint, gpu = cmp.patterns
    assert today.kind == "today" and today.monthly_usd.delta == pytest.approx(233.60)
    assert (hyb.label, hyb.base_label) == ("Hybrid: 3 × ml.c5.large + Lambda", "Hybrid: 1 × ml.c5.large + Lambda")
    assert hyb.monthly_usd == Change(172.18, 298.68)
    assert pc.monthly_usd.delta == pytest.approx(294.54) and pc.monthly_usd.share == pytest.approx(294.54 / 305.56)
    assert endpoint.latency_mean_ms == Change(22.7, 22.7) and endpoint.latency_p99_ms == Change(39.4, 39.4)
    assert not gpu.feasible_what_if and gpu.reason == "needs a GPU"
    assert cmp.requests_per_month.delta == pytest.approx(591_657_991.0)
    assert cmp.cold_start_penalty_ms == Change(0.0182, 0.0182)
    table = charts.patterns_frame(cmp).set_index("option")
    assert table.loc["today", "monthly_change"] == "+$233.60" and table.loc["today", "change_share"] == "+101 %"
    assert table.loc["Hybrid: 3 × ml.c5.large + Lambda (was Hybrid: 1 × ml.c5.large + Lambda)", "monthly_what_if"] == (
        "$298.68"
    )
    assert table.loc["Vertex endpoint (GPU)", "feasible"] == "no: needs a GPU"
    assert table.loc["Vertex endpoint (GPU)", "monthly_change"] == "—"
    fig = charts.patterns_figure(cmp)
    baseline, what_if = fig.data
    assert (baseline.name, what_if.name) == ("baseline", "what-if") and fig.layout.barmode == "group"
    assert "baseline vs what-if" in fig.layout.title.text and fig.layout.xaxis.title.text == "USD per month (730 h)"
    assert list(what_if.customdata[:2]) == ["$465.42/month", "$298.68/month"]
    assert baseline.customdata[-1] == "—/month" and baseline.x[-1] is None


def test_the_estate_figure_pairs_each_pattern_and_the_totals() -> None:
    fig = charts.estate_figure(compare_estates(*_estates()))
    baseline, what_if = fig.data
    assert list(baseline.y) == ["Managed endpoint", "FaaS", "estate, today", "estate, recommended"]
    assert list(what_if.customdata) == ["$100.00/month", "$465.42/month", "$565.42/month", "$293.93/month"]
    assert fig.layout.xaxis.title.text == "USD per month (730 h)" and "by today's pattern" in fig.layout.title.text
