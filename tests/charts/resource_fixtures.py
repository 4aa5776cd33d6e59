"""Hand-built analysis results for the figure and comparison tests: every number chosen so the expected text is
worked out by hand, not read back from the code under test."""

from __future__ import annotations

from analysis.types import (
    Best,
    ColdStarts,
    CurrentRow,
    Curve,
    EstateAssessment,
    OptionDetail,
    OptionRow,
    Period,
    ResourceDetail,
    ResourceRow,
    Totals,
    Verdict,
)

DAY0 = 1_764_460_800.0  # 2025-11-30 00:00 UTC


def option(label: str, usd: float | None, today: float, **more: object) -> OptionRow:
    values = {
        "service": "sagemaker-endpoint",
        "pattern": "endpoint",
        "feasible": usd is not None,
        "reason": "" if usd is not None else "needs a GPU",
        "cold_starts_per_month": 0.0,
        "always_on": 1.6,
        "kind": "move",
        "saving_usd": None if usd is None else round(today - usd, 2),
    }
    values.update(more)
    return OptionRow(label, monthly_usd=usd, **values)  # type: ignore[arg-type]


def row(
    name: str = "fraud-score", today: float = 231.82, requests: float = 591_657_991.0, **more: object
) -> ResourceRow:
    endpoint = option("SageMaker endpoint (ml.c5.large)", 115.48, today)
    values = {
        "resource_id": f"lambda:1:us-east-1:{name}",
        "name": name,
        "service": "lambda",
        "pattern": "faas",
        "provider": "aws",
        "region": "us-east-1",
        "account": "1",
        "requests_per_month": requests,
        "current": CurrentRow(today, 11_882.8, False, False),
        "options": (endpoint,),
        "best": Best(endpoint.label, 115.48, round(today - 115.48, 2)),
        "break_even_requests_per_month": 189_306_718.0,
        "verdict": Verdict("move", "move it"),
    }
    values.update(more)
    return ResourceRow(**values)  # type: ignore[arg-type]


def detail(today: float = 231.82, requests: float = 591_657_991.0, pc_usd: float = 305.56) -> ResourceDetail:
    the_row = row(today=today, requests=requests)
    endpoint = OptionDetail(the_row.options[0], (), (), ("autoscaled on the measured traffic",), 22.7, 39.4)
    provisioned = OptionDetail(
        option("Lambda + provisioned concurrency 22", pc_usd, today, service="lambda", pattern="faas",
               kind="add provisioned concurrency", cold_starts_per_month=10.7, always_on=22.0, unconfirmed=True),
        (), (), (), None, None,
    )  # fmt: skip
    gpu = OptionDetail(option("Vertex endpoint (GPU)", None, today, service="vertex-endpoint"), (), (), (), None, None)
    hybrid = OptionDetail(
        option("Hybrid: 1 × ml.c5.large + Lambda", 172.18, today, service="sagemaker-endpoint+lambda",
               pattern="hybrid", cold_starts_per_month=241.1, always_on=1.0),
        (), (), (), 1523.1, None,
    )  # fmt: skip
    return ResourceDetail(
        row=the_row,
        today_lines=(),
        today_notes=(),
        options=(hybrid, provisioned, endpoint, gpu),
        hybrid=Curve(
            (0.0, 1.0, 2.0),
            {
                "always-on endpoint": (0.0, 62.05, 124.10),
                "FaaS overflow": (231.0, 110.13, 60.0),
                "total": (231.0, 172.18, 184.10),
            },
            optimum_x=1.0,
        ),
        break_even=Curve(
            (1e6, 1e7, 1e8, 1e9),
            {
                "Lambda (512 MB)": (0.39, 3.92, 39.18, 391.8),
                "ml.c5.large <b>endpoint</b>": (62.05, 62.05, 62.05, 310.2),
            },
            optimum_x=189_306_718.0,
            operating_x=requests,
        ),
        cold_starts=ColdStarts(11_882.8, 241.1, 907.4, True, 2.0e-5, 0.0182, (), None),
        daily=Curve((DAY0, DAY0 + 86_400), {"today": (7.5, float("nan")), hybrid.row.label: (5.25, 5.75)}),
        periods=(
            Period("2026-10-01T00:00:00Z", "2026-10-30T00:00:00Z", "256 MB", 199.0, False),
            Period("2026-10-30T00:00:00Z", "2026-11-29T00:00:00Z", "512 MB, x86_64", today, True),
        ),
        config_history=(("2026-08-31T00:00:00Z", {"memory_mb": 512, "architecture": "x86_64"}),),
    )


def estate(rows: tuple[ResourceRow, ...], today: float, recommended: float) -> EstateAssessment:
    totals = Totals(
        resources=len(rows), priced=len(rows), skipped=0, to_review=sum(1 for r in rows if r.acts), today_usd=today,
        recommended_usd=recommended, saving_usd=today - recommended, saving_share=None, unconfirmed_usd=0.0,
        unconfirmed_share=None, incomplete=0, requests=0.0, errors=0.0, error_rate=None, cold_starts=None,
        cold_start_rate=None,
    )  # fmt: skip
    return EstateAssessment("2026-10-30T00:00:00Z", "2026-11-29T00:00:00Z", rows, totals)
