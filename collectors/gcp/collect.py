"""Collect one scope (project, region or ``all``, service): metrics for its windows, then configuration.

Order matters for Vertex: its CPU utilisation is normalised by the vCPUs of each deployed model's
machine type, which comes from the configuration, and the configuration is listed per location, which
(with ``regions = "all"``) is only known from the metrics. So: fetch every metric, list configuration
for the locations seen, then transform.

Failures never escape: a query that fails for good marks its metric missing; an error that concerns
the whole project (PERMISSION_DENIED, UNAUTHENTICATED, exhausted quota or an unreachable API) also
trips a per-project breaker so the project's other scopes fail at once instead of each waiting
through its own retries.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from google.cloud import monitoring_v3

from collectors.gcp.client import Connection, run_api_base, vertex_api_base
from collectors.gcp.config_rest import (
    NO_MACHINE_TYPE,
    ConfigFetchError,
    FoundConfig,
    list_run_services,
    list_vertex_endpoints,
)
from collectors.gcp.fetch import FetchError, FetchPolicy, FetchStats, Series, list_series
from collectors.gcp.queries import SERVICE_QUERIES, build_request
from collectors.gcp.settings import ALL_REGIONS, GcpSettings
from collectors.gcp.transforms import ResourceKey, ServiceResult, identity, transform_functions, transform_run
from collectors.gcp.transforms_vertex import VcpuLookup, transform_vertex
from collectors.source import Collection, Scope, ScopeOutcome, Window
from common.services import resource_key
from store.writes import ConfigRecord, ResourceRecord


class ProjectBreaker:
    """Remembers projects that failed as a whole, shared by the scopes of one run (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed: dict[str, str] = {}

    def trip(self, project: str, reason: str) -> None:
        with self._lock:
            self._failed.setdefault(project, reason)

    def reason(self, project: str) -> str | None:
        with self._lock:
            return self._failed.get(project)


@dataclass
class ScopeEnv:
    """Everything a scope's collection needs, built once per source run."""

    settings: GcpSettings
    client: monitoring_v3.MetricServiceClient
    new_session: Callable[[], requests.Session]  # one per scope: requests sessions are not thread-safe
    policy: FetchPolicy
    breaker: ProjectBreaker
    origin: str  # metric rows
    config_origin: str  # configuration snapshots
    now: datetime
    count_call: Callable[[str], None]
    stats: list[FetchStats] = field(default_factory=list)


@dataclass
class _ScopeState:
    fetched: dict[str, list[Series]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    queries_ok: int = 0


def _fetch_metrics(scope: Scope, window: Window, env: ScopeEnv, stats: FetchStats, state: _ScopeState) -> None:
    regions = None if scope.region == ALL_REGIONS else (scope.region,)
    for query in SERVICE_QUERIES[scope.service]:
        tripped = env.breaker.reason(scope.account)
        if tripped:
            state.missing.append(f"{query.key} (project failed)")
            line = f"not asked: project {scope.account} failed with {tripped}"
            if not any(e.startswith("Cloud Monitoring ") for e in state.errors) and line not in state.errors:
                state.errors.append(line)
            continue
        request = build_request(
            scope.service,
            query,
            project=scope.account,
            start=window.start,
            end=window.end,
            period_s=window.period_s,
            regions=regions,
            page_size=env.settings.page_size,
        )
        try:
            series = list_series(env.client, request, query.value, policy=env.policy, stats=stats)
        except FetchError as exc:
            reason = f"{exc.code}: {exc}"
            state.missing.append(f"{query.key} {window.start:%Y-%m-%d %H:%M}→{window.end:%H:%M}")
            if f"Cloud Monitoring {reason}" not in state.errors:
                state.errors.append(f"Cloud Monitoring {reason}")
            if exc.project_wide:
                env.breaker.trip(scope.account, reason)
            continue
        state.queries_ok += 1
        state.fetched.setdefault(query.key, []).extend(series)


def _locations(scope: Scope, result_regions: set[str], env: ScopeEnv) -> list[str]:
    if scope.region != ALL_REGIONS:
        return [scope.region]
    overrides = env.settings.overrides
    pinned = {
        o.region for o in overrides if o.service == scope.service and o.region and o.project in (None, scope.account)
    }
    return sorted({r for r in result_regions if r} | pinned)


def _fetch_configs(scope: Scope, locations: list[str], env: ScopeEnv, state: _ScopeState) -> list[FoundConfig]:
    if not locations:
        return []
    with env.new_session() as session:
        return _list_configs(scope, locations, env, state, session)


def _list_configs(
    scope: Scope, locations: list[str], env: ScopeEnv, state: _ScopeState, session: requests.Session
) -> list[FoundConfig]:
    found: list[FoundConfig] = []
    conn: Connection = env.settings.connection
    for location in locations:
        try:
            if scope.service == "cloud-run":
                found += list_run_services(
                    session,
                    run_api_base(conn),
                    scope.account,
                    location,
                    timeout_s=conn.timeout_s,
                    count_call=lambda: env.count_call("run:ListServices"),
                )
            elif scope.service == "vertex-endpoint":
                found += list_vertex_endpoints(
                    session,
                    vertex_api_base(conn, location),
                    scope.account,
                    location,
                    timeout_s=conn.timeout_s,
                    count_call=lambda: env.count_call("aiplatform:ListEndpoints"),
                )
        except ConfigFetchError as exc:
            state.missing.append(f"configuration in {location}")
            state.errors.append(f"configuration API: {exc}")
    return found


def _transform(scope: Scope, window: Window, fetched: dict[str, list[Series]], vcpus: VcpuLookup) -> ServiceResult:
    if scope.service == "cloud-functions":
        return transform_functions(fetched, window.period_s)
    if scope.service == "cloud-run":
        return transform_run(fetched, window.period_s)
    return transform_vertex(fetched, window.period_s, vcpus)


def _vcpus(found: list[FoundConfig], overrides: dict[ResourceKey, dict[str, Any]]) -> VcpuLookup:
    """vCPUs of a deployed model: an override's ``vcpu`` (for every deployed model of its endpoint) wins
    over the machine type the API reported."""
    by_model = {(f.name, f.region): f.deployed_model_vcpus for f in found}

    def lookup(endpoint: ResourceKey, deployed_model_id: str) -> float | None:
        override = overrides.get(endpoint, {}).get("vcpu")
        if override:
            return float(override)
        return by_model.get(endpoint, {}).get(deployed_model_id)

    return lookup


def collect_scope(scope: Scope, windows: list[Window], env: ScopeEnv) -> Collection:
    """One scope's resources, configuration and metric rows, and exactly one outcome."""
    out = Collection()
    stats = FetchStats()
    env.stats.append(stats)
    state = _ScopeState()
    fetched_by_window = []
    for window in windows:
        state.fetched = {}
        _fetch_metrics(scope, window, env, stats, state)
        fetched_by_window.append((window, state.fetched))
    regions_seen = {region for _, region in _seen(scope, fetched_by_window)}
    configs_found: list[FoundConfig] = []
    if scope.service in ("cloud-run", "vertex-endpoint") and env.breaker.reason(scope.account) is None:
        configs_found = _fetch_configs(scope, _locations(scope, regions_seen, env), env, state)
    override_values = _override_table(scope, env, {(f.name, f.region) for f in configs_found}, fetched_by_window)
    vcpus = _vcpus(configs_found, override_values)
    rows = 0
    label_config: dict[ResourceKey, dict[str, Any]] = {}
    resources: set[ResourceKey] = {(f.name, f.region) for f in configs_found}
    notes: list[str] = []
    for window, fetched in fetched_by_window:
        result = _transform(scope, window, fetched, vcpus)
        notes += [n for n in result.notes if n not in notes]
        label_config.update(result.label_config)
        for key, metric, start, value in result.rows():
            if not key[0] or not math.isfinite(value):
                skipped = "values without a resource name, or not finite, were skipped"
                if skipped not in notes:
                    notes.append(skipped)
                continue
            if window.start <= start < window.end:
                rid = resource_key(scope.service, scope.account, key[1], key[0])
                out.metrics.append((rid, metric, start, window.period_s, value, env.origin))
                resources.add(key)
                rows += 1
        _unmapped_lines(result.unmapped_totals(window.start, window.end), state)
    for name, region in sorted(resources):
        out.resources.append(ResourceRecord(scope.service, scope.account, region, name, seen_at=env.now))
    out.configs.extend(_config_records(scope, env, configs_found, label_config, override_values, resources, notes))
    out.outcomes.append(_outcome(scope, state, len(resources), rows, notes))
    return out


def _seen(scope: Scope, fetched_by_window: list) -> set[ResourceKey]:
    """(name, region) of every resource the metrics mention."""
    return {
        identity(scope.service, series)
        for _, fetched in fetched_by_window
        for series_list in fetched.values()
        for series in series_list
    }


def _override_table(
    scope: Scope, env: ScopeEnv, configured: set[ResourceKey], fetched_by_window: list
) -> dict[ResourceKey, dict[str, Any]]:
    """The overrides that apply to this scope's resources, keyed by (name, region)."""
    keys = set(configured) | _seen(scope, fetched_by_window)
    table: dict[ResourceKey, dict[str, Any]] = {}
    for name, region in keys:
        for override in env.settings.overrides:
            if override.matches(scope.service, scope.account, region, name):
                table.setdefault((name, region), {}).update(override.values)
    return table


def _config_records(
    scope: Scope,
    env: ScopeEnv,
    found: list[FoundConfig],
    label_config: dict[ResourceKey, dict[str, Any]],
    overrides: dict[ResourceKey, dict[str, Any]],
    resources: set[ResourceKey],
    notes: list[str],
) -> list[ConfigRecord]:
    merged: dict[ResourceKey, tuple[dict[str, Any], set[str]]] = {}
    for f in found:
        merged[(f.name, f.region)] = (dict(f.values), set(f.assumed))
        overridden = overrides.get((f.name, f.region), {})
        for note in f.notes:
            if NO_MACHINE_TYPE in note and "instance_type" in overridden:
                continue  # the user already supplied what the API lacks
            notes.append(f"{scope.service} {f.name} ({f.region}): {note}")
    for key, values in label_config.items():
        if key not in resources:
            continue  # no row of it in this window: a configuration needs a resource in the batch
        current, assumed = merged.setdefault(key, ({}, set()))
        current.update(values)
    for key, values in overrides.items():
        if key not in resources:
            continue
        current, assumed = merged.setdefault(key, ({}, set()))
        current.update(values)
        assumed.update(values)
    records = []
    for (name, region), (values, assumed) in sorted(merged.items()):
        if not values:
            continue
        rid = resource_key(scope.service, scope.account, region, name)
        records.append(ConfigRecord(rid, env.now, values, env.config_origin, tuple(sorted(assumed))))
    return records


def _unmapped_lines(totals: dict[ResourceKey, dict[str, float]], state: _ScopeState) -> None:
    """Values with no canonical metric go to the run record, per resource (see docs/gcp.md)."""
    for (name, region), values in sorted(totals.items()):
        text = ", ".join(f"{k}={v:,.1f}" for k, v in sorted(values.items()))
        state.unmapped.append(f"{name} ({region}): {text}")


def _outcome(scope: Scope, state: _ScopeState, resources: int, rows: int, notes: list[str]) -> ScopeOutcome:
    if state.queries_ok == 0 and state.errors:
        status = "failed"
    elif state.errors:
        status = "partial"
    else:
        status = "ok"
    collected = [f"{resources} resources, {rows} metric rows"]
    collected += [f"not in canonical metrics: {line}" for line in state.unmapped]
    collected += [f"note: {n}" for n in notes]
    return ScopeOutcome(scope, status, errors=state.errors, collected=collected, missing=state.missing)
