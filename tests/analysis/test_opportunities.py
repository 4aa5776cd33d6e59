"""``analysis.opportunities``: the one-line opportunities built from assessment rows, checked by hand."""

from __future__ import annotations

from analysis.opportunities import opportunity_line, rate_words, top_opportunities, traffic_words
from analysis.types import Best, CurrentRow, EstateAssessment, OptionRow, ResourceRow, Totals, Verdict


def row(
    name: str,
    today: float,
    best: tuple[str, float] | None,
    action: str = "move",
    requests: float = 0.0,
    hours: float = 720.0,
    idle: float = 0.0,
    cold_today: float | None = 0.0,
    cold_after: float | None = 0.0,
) -> ResourceRow:
    options = ()
    chosen = None
    if best is not None:
        label, usd = best
        options = (OptionRow(label, "sagemaker-endpoint", "endpoint", usd, True, "", cold_after, 1.0),)
        chosen = Best(label, usd, today - usd)
    return ResourceRow(
        f"lambda:1:us-east-1:{name}", name, "lambda", "faas", "aws", "us-east-1", "1", None,
        CurrentRow(today, cold_today, False, False), options, chosen, None, Verdict(action, "…"),
        measured_hours=hours, requests_in_window=requests, idle_hours=idle,
    )  # fmt: skip


def estate(*rows: ResourceRow) -> EstateAssessment:
    totals = Totals(len(rows), len(rows), 0, 0, 0.0, 0.0, 0.0, None, 0.0, None, 0, 0.0, 0.0, None, None, None)
    return EstateAssessment("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", rows, totals)


def test_the_line_says_the_traffic_the_option_the_share_and_the_cold_starts() -> None:
    # 38 req/s over 720 h = 98,496,000 requests; $200 today, $78 as an endpoint: 61 % less, $122 saved
    steady = row("scorer", 200.0, ("SageMaker endpoint (ml.c5.xlarge)", 78.0), requests=38 * 720 * 3600,
                 cold_today=12_345.4, cold_after=0.0)  # fmt: skip
    assert opportunity_line(steady) == (
        "busy every hour, 38 req/s: SageMaker endpoint (ml.c5.xlarge) costs 61 % less ($78.00/month against "
        "$200.00, saves $122.00/month), no cold starts (today 12,345/month)"
    )


def test_idle_hours_and_added_cold_starts_are_said() -> None:
    # 360 idle hours of 720; 1,000 requests over 720 h = 1.4 req/h; 817 cold starts where today has none
    idle = row("forecast", 167.90, ("SageMaker Serverless (4 GB)", 0.03), "serverless", requests=1000.0,
               idle=360.0, cold_today=0.0, cold_after=817.0)  # fmt: skip
    line = opportunity_line(idle)
    assert line.startswith("idle 50 % of hours, 1.4 req/h on average: SageMaker Serverless (4 GB) costs over 99 % less")
    assert line.endswith(", 817 cold starts/month (today none)")


def test_rates_read_in_the_unit_that_gives_a_whole_number() -> None:
    assert rate_words(38 * 3600, 3600) == "38 req/s"
    assert rate_words(0.42 * 3600, 3600) == "25 req/min"
    assert rate_words(3, 3600) == "3 req/h"
    assert rate_words(0, 3600) == "no requests"
    assert traffic_words(row("quiet", 1.0, None, requests=0.0)) == "no requests"


def test_the_top_opportunities_are_the_rows_that_act_largest_saving_first() -> None:
    rows = (
        row("small", 50.0, ("Lambda", 40.0), requests=1e6),
        row("kept", 500.0, ("Lambda", 100.0), action="keep", requests=1e6),  # keep: not an opportunity
        row("none", 500.0, None, requests=1e6),
        row("big", 300.0, ("Lambda", 100.0), requests=1e6),
        row("tie-b", 60.0, ("Lambda", 50.0), requests=1e6),
        row("tie-a", 60.0, ("Lambda", 50.0), requests=1e6),
    )
    top = top_opportunities(estate(*rows), limit=3)
    assert [o.name for o in top] == ["big", "small", "tie-a"]
    assert [o.saving_usd for o in top] == [200.0, 10.0, 10.0]
    assert top[0].resource_id == "lambda:1:us-east-1:big" and top[0].line == opportunity_line(rows[3])
