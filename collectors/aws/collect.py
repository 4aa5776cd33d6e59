"""Collect one group of AWS scopes, an (account, region): inventory, endpoint snapshots, CloudWatch metrics,
Logs Insights.

Every part is isolated: a failed listing fails its services' scopes, a failed GetMetricData batch
drops only the resources it held (never zero-filled: a resource whose series could not be read gets no
rows for that window), a failed Logs Insights query loses only its log groups' cold starts. What was
and was not read is recorded per scope.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from collectors.aws import cloudwatch, logs_insights
from collectors.aws.clients import AwsClients, describe_error
from collectors.aws.inventory import (
    LambdaFunction,
    SageMakerEndpoint,
    endpoint_config_values,
    lambda_config_values,
    list_lambda_functions,
    list_sagemaker_endpoints,
    read_provisioned_concurrency,
)
from collectors.aws.metrics import ResourceQueries, canonical_rows, endpoint_queries, lambda_queries
from collectors.source import Collection, RunContext, Scope, ScopeOutcome, Window
from collectors.timeline import timeline_rows
from common.services import resource_key
from store.snapshots import ABSENT, EndpointSnapshot, read_snapshots
from store.writes import ConfigRecord, ResourceRecord


@dataclass
class RegionOptions:
    source: str
    logs_insights: bool
    logs_insights_concurrency: int
    provisioned_concurrency: bool


@dataclass
class ScopeState:
    scope: Scope
    windows: list[Window]
    failed: str | None = None
    collected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    queries: list[ResourceQueries] = field(default_factory=list)
    rows: int = 0

    def outcome(self) -> ScopeOutcome:
        if self.failed:
            return ScopeOutcome(self.scope, "failed", errors=[self.failed], missing=["everything"], notes=self.notes)
        status = "partial" if self.missing else "ok"
        collected = [*self.collected, f"{self.rows:,} metric rows"]
        return ScopeOutcome(self.scope, status, self.errors, collected, self.missing, self.notes)


def _first(items: list[str], limit: int = 3) -> list[str]:
    return items[:limit] + ([f"… and {len(items) - limit} more"] if len(items) > limit else [])


class RegionCollector:
    def __init__(
        self,
        clients: AwsClients,
        account: str,
        region: str,
        windows: dict[Scope, list[Window]],
        options: RegionOptions,
        ctx: RunContext,
    ) -> None:
        self.clients = clients
        self.account = account
        self.region = region
        self.options = options
        self.ctx = ctx
        self.states = {scope.service: ScopeState(scope, wins) for scope, wins in windows.items()}
        self.out = Collection()
        self.origin = f"{options.source}:cloudwatch"

    def _rid(self, service: str, name: str) -> str:
        return resource_key(service, self.account, self.region, name)

    def _progress(self, message: str) -> None:
        self.ctx.progress(None, f"{self.options.source}/{self.account}/{self.region}: {message}")

    def run(self) -> Collection:
        functions: list[LambdaFunction] = []
        if "lambda" in self.states:
            functions = self._lambda_inventory()
        if any(s in self.states for s in ("sagemaker-endpoint", "sagemaker-serverless")):
            self._sagemaker_inventory()
        self._metrics()
        if self.options.logs_insights and functions and not self.states["lambda"].failed:
            self._logs_insights(functions)
        for state in self.states.values():
            self.out.outcomes.append(state.outcome())
        return self.out

    # --- inventory -------------------------------------------------------------------------------
    def _lambda_inventory(self) -> list[LambdaFunction]:
        state = self.states["lambda"]
        self._progress("listing Lambda functions")
        client = self.clients.client("lambda", self.region)
        try:
            functions = list_lambda_functions(client)
        except Exception as exc:
            state.failed = f"listing functions: {describe_error(exc)}"
            return []
        if self.options.provisioned_concurrency:
            self._progress(f"reading provisioned concurrency of {len(functions)} functions")
            failures = read_provisioned_concurrency(client, functions)
            if failures:
                state.missing.append(f"provisioned concurrency of {len(failures)} function(s)")
                state.errors.extend(_first(failures))
        for fn in functions:
            rid = self._rid("lambda", fn.name)
            self.out.resources.append(ResourceRecord("lambda", self.account, self.region, fn.name, self.ctx.now))
            # A failed provisioned-concurrency read must not store "no provisioned concurrency": keep the last
            # configuration that was read whole instead of a snapshot with those fields blank.
            if not (self.options.provisioned_concurrency and fn.provisioned is None):
                self.out.configs.append(
                    ConfigRecord(rid, self.ctx.now, lambda_config_values(fn), f"{self.options.source}:inventory")
                )
            state.queries.append(lambda_queries(rid, fn.name, fn.last_modified))
        state.collected.append(f"{len(functions)} functions")
        if self.options.provisioned_concurrency:
            current = {self._rid("lambda", f.name): f for f in functions if f.provisioned is not None}
            self._snapshots(
                state,
                "provisioned_concurrency",
                {
                    rid: (f.provisioned_total or 0, "READY" if f.provisioned_total else "NONE")
                    for rid, f in current.items()
                },
                listed={self._rid("lambda", f.name) for f in functions},
                only_nonzero=True,
            )
        return functions

    def _sagemaker_inventory(self) -> None:
        self._progress("listing SageMaker endpoints")
        client = self.clients.client("sagemaker", self.region)
        try:
            endpoints = list_sagemaker_endpoints(client)
        except Exception as exc:
            for service in ("sagemaker-endpoint", "sagemaker-serverless"):
                if service in self.states:
                    self.states[service].failed = f"listing endpoints: {describe_error(exc)}"
            return
        by_service: dict[str, list[SageMakerEndpoint]] = defaultdict(list)
        for ep in endpoints:
            by_service[ep.service].append(ep)
        for service in ("sagemaker-endpoint", "sagemaker-serverless"):
            state = self.states.get(service)
            if state is None:
                continue
            current: dict[str, tuple[int, str]] = {}
            extra: dict[str, EndpointSnapshot] = {}
            for ep in by_service.get(service, []):
                rid = self._rid(service, ep.name)
                values, notes = endpoint_config_values(ep)
                state.notes.extend(notes + ep.problems)
                self.out.resources.append(ResourceRecord(service, self.account, self.region, ep.name, self.ctx.now))
                if not ep.problems:  # a config that could not be read is not stored as blanks
                    self.out.configs.append(ConfigRecord(rid, self.ctx.now, values, f"{self.options.source}:inventory"))
                rq = endpoint_queries(rid, ep)
                state.notes.extend(rq.notes)
                state.queries.append(rq)
                count = ep.instance_count if service == "sagemaker-endpoint" else ep.provisioned_concurrency
                current[rid] = (count, ep.status)
                extra[rid] = EndpointSnapshot(
                    rid, self.ctx.now, ep.status, count, ep.created_at, ep.last_modified_at, self._snap_origin
                )
            state.collected.append(f"{len(current)} endpoints")
            metric = "instances_avg" if service == "sagemaker-endpoint" else "provisioned_concurrency"
            self._snapshots(state, metric, current, listed=set(current), described=extra)

    @property
    def _snap_origin(self) -> str:
        return f"{self.options.source}:snapshots"

    def _snapshots(
        self,
        state: ScopeState,
        metric: str,
        current: dict[str, tuple[int, str]],
        listed: set[str],
        described: dict[str, EndpointSnapshot] | None = None,
        only_nonzero: bool = False,
    ) -> None:
        """Record this run's observations (and disappearances), then derive ``metric`` from the history."""
        prefix = f"{state.scope.service}:{self.account}:{self.region}:"
        since = min((w.start for w in state.windows), default=self.ctx.now)
        history: dict[str, list[EndpointSnapshot]] = defaultdict(list)
        for snap in read_snapshots(self.ctx.db_path, prefix, since):
            history[snap.resource_id].append(snap)
        new: list[EndpointSnapshot] = []
        for rid, (count, status) in current.items():
            last = history[rid][-1] if history.get(rid) else None
            if only_nonzero and count == 0 and (last is None or not last.instance_count):
                continue  # a function that never had provisioned concurrency needs no snapshots
            snap = (described or {}).get(rid) or EndpointSnapshot(
                rid, self.ctx.now, status, count, None, None, self._snap_origin
            )
            new.append(snap)
        for rid, snaps in history.items():
            if rid not in listed and snaps[-1].status != ABSENT:
                new.append(EndpointSnapshot(rid, self.ctx.now, ABSENT, 0, None, None, self._snap_origin))
        self.out.snapshots.extend(new)
        for snap in new:
            rows = timeline_rows(snap.resource_id, [*history.get(snap.resource_id, []), snap], state.windows, metric,
                                 self._snap_origin)  # fmt: skip
            self.out.metrics.extend(rows)
            state.rows += len(rows)
        gone = sum(1 for s in new if s.status == ABSENT)
        if gone:
            state.notes.append(f"{gone} resource(s) seen before are gone; counted as running until this run")

    # --- CloudWatch ------------------------------------------------------------------------------
    def _metrics(self) -> None:
        by_window: dict[Window, list[tuple[ScopeState, ResourceQueries]]] = defaultdict(list)
        for state in self.states.values():
            if state.failed:
                continue
            for window in state.windows:
                for rq in state.queries:
                    by_window[window].append((state, rq))
        if not by_window:
            return
        client = self.clients.client("cloudwatch", self.region)
        for window, items in sorted(by_window.items(), key=lambda kv: kv[0].start):
            queries = [q for _, rq in items for q in rq.parts]
            label = f"{window.start:%m-%d %H:%M}+{window.period_s}s"
            result = cloudwatch.fetch(
                client,
                queries,
                window,
                self.ctx.usage,
                progress=lambda i, n, label=label: self._progress(f"GetMetricData {label} batch {i}/{n}"),
            )
            lost: dict[str, list[str]] = defaultdict(list)
            reasons: dict[str, set[str]] = defaultdict(set)
            for state, rq in items:
                failed = [result.failed[q] for q in rq.parts if q in result.failed]
                if failed:
                    lost[state.scope.service].append(rq.resource_id)
                    reasons[state.scope.service].update(failed)
                    continue
                rows = canonical_rows(rq, result.values, window, self.origin)
                self.out.metrics.extend(rows)
                state.rows += len(rows)
            for service, resources in lost.items():
                state = self.states[service]
                state.missing.append(f"metrics of {len(resources)} resource(s) for {label}")
                state.errors.extend(_first(sorted(reasons[service])))
            if result.messages:  # CloudWatch's own warnings about the whole call, kept once per window
                first_state = items[0][0]
                first_state.notes.extend(f"CloudWatch: {m}" for m in result.messages[:3])

    # --- Logs Insights ---------------------------------------------------------------------------
    def _logs_insights(self, functions: list[LambdaFunction]) -> None:
        state = self.states["lambda"]
        client = self.clients.client("logs", self.region)
        by_group: dict[str, list[str]] = defaultdict(list)
        for fn in functions:
            by_group[fn.log_group].append(fn.name)
        shared = {g: names for g, names in by_group.items() if len(names) > 1}
        if shared:
            state.notes.append(
                f"{len(shared)} log group(s) shared by several functions skipped (cold starts cannot be told apart)"
            )
        wanted = {g for g in by_group if g not in shared}
        try:
            existing = logs_insights.describe_groups(client, wanted)
        except Exception as exc:
            state.missing.append("cold starts and billed duration (Logs Insights)")
            state.errors.append(f"describing log groups: {describe_error(exc)}")
            return
        resource_by_group = {g: self._rid("lambda", by_group[g][0]) for g in existing}
        jobs = [
            logs_insights.QueryJob(groups, time_slice)
            for window in state.windows
            for groups, time_slice in logs_insights.plan_queries(list(existing), window)
        ]
        self._progress(f"Logs Insights: {len(jobs)} queries over {len(existing)} log groups")
        logs_insights.run_queries(client, jobs, self.ctx.usage, self.options.logs_insights_concurrency)
        failed = [j for j in jobs if j.error]
        problems: list[str] = []
        for job in jobs:
            if job.error:
                continue
            rows, job_problems = logs_insights.job_rows(job, resource_by_group, f"{self.options.source}:logs-insights")
            problems.extend(job_problems)
            self.out.metrics.extend(rows)
            state.rows += len(rows)
        if failed or problems:
            groups = sum(len(j.groups) for j in failed)
            state.missing.append(f"cold starts of {groups} log group(s)" if failed else "some Logs Insights rows")
            state.errors.extend(_first(sorted({j.error for j in failed if j.error} | set(problems))))
        cut = [
            f"cold starts of some of {len(j.groups)} log group(s) from {j.window.start:%Y-%m-%d %H:%M} "
            f"to {j.window.end:%Y-%m-%d %H:%M} UTC: the Logs Insights result was cut at {len(j.rows):,} rows"
            for j in jobs
            if j.truncated and not j.error  # its rows are kept: each is a whole (log group, period) aggregate
        ]
        state.missing.extend(_first(cut))
        bytes_scanned = sum(j.bytes_scanned for j in jobs)
        state.collected.append(f"{len(jobs)} Logs Insights queries, {bytes_scanned / 1e9:.3f} GB scanned")
