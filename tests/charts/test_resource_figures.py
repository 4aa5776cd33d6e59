"""Every Resource-view figure and table: title, units, the hover text people read (money via charts.format,
"—" for missing), marks where the analysis put them, and names from the data made inert."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from analysis.usage import UsageSeries
from charts import resource as charts
from tests.charts.resource_fixtures import DAY0, detail

NAN = float("nan")


def usage(bucket_s: int = 3600) -> UsageSeries:
    return UsageSeries(
        bucket_s=bucket_s,
        x=(DAY0, DAY0 + 3600, DAY0 + 7200),
        requests=(3600.0, 7200.0, NAN),
        requests_per_s=(1.0, 2.0, NAN),
        p50_ms=(22.24, 84.4, NAN),
        p99_ms=(1250.0, 40.1, NAN),
        concurrency_max=(NAN, NAN, NAN),
        instances_avg=(1.0, 2.5, NAN),
        cold_starts=(0.0, 1.0, NAN),
    )


def test_cost_over_time_shows_today_and_every_option_in_dollars_per_day() -> None:
    d = detail()
    fig = charts.cost_over_time_figure(d.daily, charts.best_hybrid(d))
    assert "Cost per UTC day" in fig.layout.title.text and fig.layout.yaxis.title.text == "USD per day"
    today, hybrid = fig.data
    assert today.name == "today" and list(today.customdata) == ["$7.50 per day", "— per day"]
    assert today.y == (7.5, None)  # a day without a figure is a gap, not a zero
    assert list(today.x) == [datetime(2025, 11, 30), datetime(2025, 12, 1)]
    assert hybrid.line.width == 3 and list(hybrid.customdata) == ["$5.25 per day", "$5.75 per day"]
    assert "%{customdata}" in hybrid.hovertemplate


def test_traffic_latency_and_concurrency_over_time() -> None:
    u = usage()
    traffic = charts.traffic_figure(u)
    assert traffic.layout.title.text == "Traffic: requests per second (hourly means, UTC)"
    assert traffic.layout.yaxis.title.text == "requests per second"
    assert list(traffic.data[0].customdata) == [
        "3,600 requests (1 req/s)",
        "7,200 requests (2 req/s)",
        "— requests (— req/s)",
    ]
    assert traffic.data[0].y == (1.0, 2.0, None)
    latency = charts.latency_over_time_figure(usage(86_400))
    assert "daily" in latency.layout.title.text and latency.layout.yaxis.title.text == "milliseconds"
    p50, p99 = latency.data
    assert (p50.name, p99.name) == ("p50", "p99")
    assert list(p50.customdata[:2]) == ["22 ms", "84 ms"] and list(p99.customdata[:2]) == ["1.25 s", "40 ms"]
    concurrency = charts.concurrency_figure(u)
    assert [t.name for t in concurrency.data] == ["running instances (mean)"]  # no concurrency reported: no line
    assert list(concurrency.data[0].customdata[:2]) == ["1", "2.5"]


def test_break_even_marks_the_crossing_and_today_on_log_axes() -> None:
    d = detail()
    fig = charts.break_even_figure(d.break_even)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.dtick == 1 and fig.layout.yaxis.tickprefix == "$"
    assert fig.layout.yaxis.title.text == "USD per month (730 h)"
    assert fig.layout.xaxis.title.text == "requests per month (log)"
    faas, endpoint = fig.data
    assert faas.customdata[0] == "1,000,000 requests/month: $0.39/month"
    assert endpoint.name == "ml.c5.large &lt;b&gt;endpoint&lt;/b&gt;"  # a name from the data cannot become markup
    lines = {shape.x0: shape.line.dash for shape in fig.layout.shapes}
    assert lines == {189_306_718.0: "dash", 591_657_991.0: "dot"}
    notes = {a.text: a.x for a in fig.layout.annotations}  # a log axis places annotations by log10(x)
    assert notes == {
        "break-even 189,306,718/month": pytest.approx(math.log10(189_306_718)),
        "today 591,657,991/month": pytest.approx(math.log10(591_657_991)),
    }
    assert fig.layout.xaxis.range is None
    wide = charts.break_even_figure(d.break_even, "Break-even, what-if", charts.shared_range(d.break_even, None))
    assert wide.layout.title.text == "Break-even, what-if" and tuple(wide.layout.xaxis.range) == (6.0, 9.0)


def test_hybrid_stacks_endpoint_and_overflow_and_marks_the_cheapest_k() -> None:
    fig = charts.hybrid_figure(detail().hybrid)
    assert fig.layout.barmode == "stack" and fig.layout.xaxis.title.text == "always-on instances k"
    assert fig.layout.yaxis.title.text == "USD per month (730 h)"
    endpoint, overflow, total = fig.data
    assert list(endpoint.customdata) == ["$0.00/month", "$62.05/month", "$124.10/month"]
    assert list(overflow.customdata) == ["$231.00/month", "$110.13/month", "$60.00/month"]
    assert list(total.customdata)[1] == "$172.18/month"
    (note,) = fig.layout.annotations
    assert note.text == "cheapest: k = 1, $172.18/month" and note.x == 1.0 and note.y == 172.18


def test_latency_per_pattern_includes_the_cold_start_penalty() -> None:
    fig = charts.latency_figure(detail())
    assert "today's cold starts add 0.02 ms to the mean" in fig.layout.title.text  # 0.0182 ms
    assert fig.layout.xaxis.title.text == "milliseconds"
    mean, p99 = fig.data
    assert list(mean.y) == ["Hybrid: 1 × ml.c5.large + Lambda", "SageMaker endpoint (ml.c5.large)"]
    assert list(mean.customdata) == ["1.52 s", "23 ms"]
    assert list(p99.customdata) == ["—", "39 ms"] and p99.x[0] is None


def test_the_options_table_reads_as_money_with_its_sign() -> None:
    table = charts.options_frame(detail()).set_index("option")
    assert table.loc["today", "monthly"] == "$231.82" and table.loc["today", "vs_today"] == "$0.00"
    endpoint = table.loc["SageMaker endpoint (ml.c5.large)"]
    assert endpoint["vs_today"] == "−$116.34" and endpoint["cold_starts"] == "0" and endpoint["always_on"] == "1.6"
    provisioned = table.loc["Lambda + provisioned concurrency 22"]
    assert provisioned["vs_today"] == "+$73.74" and provisioned["price"] == "⚠ unconfirmed"
    gpu = table.loc["Vertex endpoint (GPU)"]
    assert gpu["monthly"] == "—" and gpu["vs_today"] == "—" and gpu["feasible"] == "no: needs a GPU"
    assert "None" not in table.to_string() and "nan" not in table.to_string()


def test_feasibility_history_and_periods() -> None:
    d = detail()
    notes = charts.feasibility_notes(d)
    assert notes[0] == "Vertex endpoint (GPU): not feasible — needs a GPU"
    assert "SageMaker endpoint (ml.c5.large): autoscaled on the measured traffic" in notes
    history = charts.history_frame(d)
    assert history.to_dict("records") == [
        {"from": "2026-08-31 00:00", "configuration": "architecture: x86_64, memory_mb: 512"}
    ]
    periods = charts.periods_frame(d)
    assert list(periods["monthly"]) == ["$199.00", "$231.82"] and list(periods["current"]) == ["earlier", "current"]


@pytest.mark.parametrize("value", [NAN, None])
def test_a_missing_money_value_is_a_dash(value: float | None) -> None:
    d = detail()
    curve = type(d.daily)((DAY0,), {"today": (NAN if value is None else value,)})
    fig = charts.cost_over_time_figure(curve)
    assert fig.data[0].customdata[0] == "— per day" and math.isnan(curve.series["today"][0])


def test_a_cold_start_penalty_keeps_its_hundredths() -> None:
    assert [charts.penalty_ms(v) for v in (0.0182, 4.256, 84.4, None, NAN)] == ["0.02 ms", "4.26 ms", "84 ms", "—", "—"]
