"""Dry-run planning for one GCP scope: the calls and the cost, from the queries, the windows and the resources
earlier runs stored (Cloud Monitoring cannot be sized without reading it, and reading it is what costs)."""

from __future__ import annotations

import math

from collectors.gcp.queries import SERVICE_QUERIES
from collectors.gcp.settings import ALL_REGIONS, GcpSettings
from collectors.source import PlanItem, RunContext, Scope, Window
from store.resource_counts import count_resources


def plan_scope(gcp: GcpSettings, scope: Scope, wins: list[Window], ctx: RunContext) -> PlanItem:
    """What a run would ask for one scope, and what it would cost; no API call."""
    rate = gcp.api_cost_per_million_series / 1e6
    region = None if scope.region == ALL_REGIONS else scope.region
    known, known_regions = count_resources(ctx.db_path, scope.service, scope.account, region)
    calls = 0
    series = 0
    for window in wins:
        for query in SERVICE_QUERIES[scope.service]:
            periods = window.periods * (window.period_s // (query.alignment_s or window.period_s))
            calls += max(1, math.ceil(known * periods / gcp.page_size))
            series += known
    api_calls = {"monitoring:ListTimeSeries": calls} if wins else {}
    notes = []
    if scope.service != "cloud-functions" and wins:
        operation = "run:ListServices" if scope.service == "cloud-run" else "aiplatform:ListEndpoints"
        api_calls[operation] = 1 if region else max(1, known_regions)
        notes.append("configuration listed once per location (pages of 500; no charge)")
    if not known and wins:
        notes.append("no resources stored yet: the calls are a minimum and the cost is unknown until a run")
    n_queries = len(SERVICE_QUERIES[scope.service])
    what = f"{n_queries} metrics × {len(wins)} window(s), {known} resources known"
    return PlanItem(scope, what, api_calls, series * rate, notes=notes)
