"""The ``kind = "gcp"`` source: Cloud Monitoring metrics and configuration for Cloud Functions,
Cloud Run and Vertex AI endpoints, driven by the kind-independent runner (``collectors.runner``).

A scope is (source, project, region or ``all``, service). With ``regions = "all"`` one query per
metric covers every region of a project; with a list, each region is its own scope (its own
watermark and failure domain) and its queries are filtered to it.

Retention: Cloud Monitoring's retention policy could not be confirmed from Google's pages; the
collector assumes the widely quoted six weeks at one-minute resolution (one tier), so a backfill
further back is clamped, with a note, rather than silently returning nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import ClassVar

from collectors.config import ConfigTable
from collectors.gcp.client import GcpAuthError, load_credentials, make_metric_client, make_rest_session
from collectors.gcp.collect import ProjectBreaker, ScopeEnv, collect_scope
from collectors.gcp.fetch import FetchPolicy
from collectors.gcp.queries import SERVICE_QUERIES
from collectors.gcp.settings import ALL_REGIONS, GcpSettings, parse_settings
from collectors.source import (
    Collection,
    Plan,
    PlanItem,
    RetentionTier,
    RunContext,
    Scope,
    ScopeListing,
    ScopeOutcome,
    Window,
)
from store.resource_counts import count_resources

RETENTION = (RetentionTier(timedelta(days=42), 60),)
SERIES_ITEM = "Cloud Monitoring time series returned"


class GcpSource:
    kind: ClassVar[str] = "gcp"
    retention = RETENTION

    def __init__(self, gcp: GcpSettings) -> None:
        self.gcp = gcp
        self.settings = gcp.common

    @property
    def origin(self) -> str:
        """The ``source`` column of the metric rows (configuration rows use ``<name>:inventory``)."""
        return f"{self.settings.name}:monitoring"

    def scopes(self, ctx: RunContext) -> ScopeListing:
        """Projects × regions (or ``all``) × services, from the configuration alone: no API call."""
        regions = self.gcp.regions or (ALL_REGIONS,)
        return ScopeListing(
            scopes=[
                Scope(self.settings.name, project, region, service)
                for project in self.gcp.projects
                for region in regions
                for service in self.gcp.services
            ]
        )

    def plan(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Plan:
        """Calls and cost from the queries, the windows and the resources earlier runs stored."""
        plan = Plan()
        rate = self.gcp.api_cost_per_million_series / 1e6
        for scope, wins in windows.items():
            region = None if scope.region == ALL_REGIONS else scope.region
            known, known_regions = count_resources(ctx.db_path, scope.service, scope.account, region)
            calls = 0
            series = 0
            for window in wins:
                for query in SERVICE_QUERIES[scope.service]:
                    periods = window.periods * (window.period_s // (query.alignment_s or window.period_s))
                    calls += max(1, math.ceil(known * periods / self.gcp.page_size))
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
            plan.items.append(PlanItem(scope, what, api_calls, series * rate, notes=notes))
        plan.notes.append(
            f"Cloud Monitoring reads are estimated at ${self.gcp.api_cost_per_million_series:.2f} per million "
            "time series returned (unconfirmed rate; set api_cost_per_million_series)"
        )
        return plan

    def collect(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Collection:
        out = Collection()
        conn = self.gcp.connection
        try:
            credentials = load_credentials(conn)
        except GcpAuthError as exc:
            out.outcomes = [ScopeOutcome(s, "failed", errors=[str(exc)], missing=["everything"]) for s in windows]
            return out
        client = make_metric_client(conn, credentials)
        env = ScopeEnv(
            settings=self.gcp,
            client=client,
            new_session=lambda: make_rest_session(conn, credentials),
            policy=FetchPolicy(timeout_s=conn.timeout_s),
            breaker=ProjectBreaker(),
            origin=self.origin,
            config_origin=f"{self.settings.name}:inventory",
            now=ctx.now,
            count_call=ctx.usage.call,
        )
        try:
            todo = [(scope, wins) for scope, wins in windows.items()]
            with ThreadPoolExecutor(max_workers=self.settings.max_workers) as pool:
                futures = [(scope, pool.submit(self._one_scope, scope, wins, env, ctx)) for scope, wins in todo]
                for scope, future in futures:
                    try:
                        out.extend(future.result())
                    except Exception as exc:  # a bug must not take the other scopes down
                        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                        out.outcomes.append(ScopeOutcome(scope, "failed", errors=[reason], missing=["everything"]))
        finally:
            rate = self.gcp.api_cost_per_million_series / 1e6
            for stats in env.stats:
                for operation, count in stats.calls.items():
                    ctx.usage.call(f"monitoring:{operation}", count)
                for reason, count in stats.retries.items():
                    ctx.usage.retry("monitoring:ListTimeSeries", reason, count)
                ctx.usage.bill(SERIES_ITEM, stats.series_returned, "time series", rate)
            client.transport.close()
        return out

    @staticmethod
    def _one_scope(scope: Scope, wins: list[Window], env: ScopeEnv, ctx: RunContext) -> Collection:
        if not wins:
            return Collection(outcomes=[ScopeOutcome(scope, "ok", collected=["nothing to read"])])
        ctx.progress(None, f"{scope.label}: reading Cloud Monitoring")
        return collect_scope(scope, wins, env)


def parse_source(table: ConfigTable) -> GcpSource:
    return GcpSource(parse_settings(table))
