"""The ``kind = "gcp"`` source: Cloud Monitoring metrics and configuration for Cloud Functions,
Cloud Run and Vertex AI endpoints, on the cloud skeleton (``collectors.cloud``): ``settings.py`` reads the
``[[sources]]`` table, ``plan.py`` sizes a dry run, ``collect.py`` collects one scope.

A scope is (source, project, region or ``all``, service), and each scope is its own group. With
``regions = "all"`` one query per metric covers every region of a project; with a list, each region is its
own scope (its own watermark and failure domain) and its queries are filtered to it.

Retention (``constants.RETENTION``): an assumption, see there.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from collectors.cloud import CloudSource, Scoped, SourceUnavailable
from collectors.config import ConfigTable
from collectors.gcp.client import GcpAuthError, load_credentials, make_metric_client, make_rest_session
from collectors.gcp.collect import ProjectBreaker, ScopeEnv, collect_scope
from collectors.gcp.constants import RETENTION
from collectors.gcp.fetch import FetchPolicy
from collectors.gcp.plan import plan_scope
from collectors.gcp.settings import ALL_REGIONS, GcpSettings, parse_settings
from collectors.source import (
    Collection,
    Plan,
    RunContext,
    Scope,
    ScopeListing,
    ScopeOutcome,
)

SERIES_ITEM = "Cloud Monitoring time series returned"


class GcpSource(CloudSource):
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

    def plan_group(self, key: Hashable, scoped: Scoped, ctx: RunContext) -> Plan:
        return Plan(items=[plan_scope(self.gcp, scope, wins, ctx) for scope, wins in scoped.items()])

    def plan_notes(self) -> list[str]:
        return [
            f"Cloud Monitoring reads are estimated at ${self.gcp.api_cost_per_million_series:.2f} per million "
            "time series returned (unconfirmed rate; set api_cost_per_million_series)"
        ]

    @contextmanager
    def open_run(self, ctx: RunContext) -> Iterator[ScopeEnv]:
        """One Monitoring client and credentials for every scope; the calls and series go to the run record."""
        conn = self.gcp.connection
        try:
            credentials = load_credentials(conn)
        except GcpAuthError as exc:
            raise SourceUnavailable(str(exc)) from None
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
            yield env
        finally:
            rate = self.gcp.api_cost_per_million_series / 1e6
            for stats in env.stats:
                for operation, count in stats.calls.items():
                    ctx.usage.call(f"monitoring:{operation}", count)
                for reason, count in stats.retries.items():
                    ctx.usage.retry("monitoring:ListTimeSeries", reason, count)
                ctx.usage.bill(SERIES_ITEM, stats.series_returned, "time series", rate)
            client.transport.close()

    def collect_group(self, key: Hashable, scoped: Scoped, run: Any, ctx: RunContext) -> Collection:
        out = Collection()
        for scope, wins in scoped.items():
            if not wins:
                out.outcomes.append(ScopeOutcome(scope, "ok", collected=["nothing to read"]))
                continue
            ctx.progress(None, f"{scope.label}: reading Cloud Monitoring")
            out.extend(collect_scope(scope, wins, run))
        return out


def parse_source(table: ConfigTable) -> GcpSource:
    return GcpSource(parse_settings(table))
