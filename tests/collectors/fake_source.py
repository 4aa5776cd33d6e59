"""A minimal source kind for exercising the kind-independent runner (registered as kind ``fake``).

It is a real ``Source`` implementation with deterministic data: one resource per scope, one
``invocations`` row per period. ``fail_regions`` makes those scopes fail, ``explode`` makes collect raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

from collectors.config import ConfigTable
from collectors.source import (
    Collection,
    Plan,
    PlanItem,
    RetentionTier,
    RunContext,
    Scope,
    ScopeListing,
    ScopeOutcome,
    SourceSettings,
    Window,
)
from store.writes import ResourceRecord

RETENTION = (
    RetentionTier(timedelta(days=15), 60),
    RetentionTier(timedelta(days=63), 300),
    RetentionTier(timedelta(days=455), 3600),
)


class FakeSource:
    kind: ClassVar[str] = "fake"
    retention = RETENTION

    def __init__(self, settings: SourceSettings, regions: list[str], fail_regions: list[str], explode: bool) -> None:
        self.settings = settings
        self.regions = regions
        self.fail_regions = fail_regions
        self.explode = explode
        self.collect_calls: list[dict[Scope, list[Window]]] = []

    def scopes(self, ctx: RunContext) -> ScopeListing:
        return ScopeListing(scopes=[Scope(self.settings.name, "000000000000", r, "lambda") for r in self.regions])

    def plan(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Plan:
        return Plan(
            items=[
                PlanItem(scope, f"{sum(w.periods for w in wins)} periods", {"fake:Get": len(wins)}, 0.001 * len(wins))
                for scope, wins in windows.items()
            ]
        )

    def collect(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Collection:
        if self.explode:
            raise RuntimeError("boom")
        out = Collection()
        for scope, wins in windows.items():
            ctx.usage.call("fake:Get", len(wins))
            ctx.usage.bill("fake metrics", len(wins), "metrics", 0.00001)
            if scope.region in self.fail_regions:
                out.outcomes.append(ScopeOutcome(scope, "failed", errors=["region down"], missing=["metrics"]))
                continue
            resource = ResourceRecord("lambda", scope.account, scope.region, "fn", seen_at=ctx.now)
            out.resources.append(resource)
            for w in wins:
                t = w.start
                while t < w.end:
                    out.metrics.append((resource.resource_id, "invocations", t, w.period_s, 1.0, "fake"))
                    t += timedelta(seconds=w.period_s)
            out.outcomes.append(ScopeOutcome(scope, "ok", collected=[f"{len(wins)} windows"]))
        return out


def parse_source(table: ConfigTable) -> FakeSource:
    settings = table.settings(lag_minutes=30, period_seconds=300, first_run_days=1)
    regions = table.string_list("regions", ["r1"])
    fail = table.string_list("fail_regions", [])
    explode = table.boolean("explode", False)
    return FakeSource(settings, regions, fail, explode)
