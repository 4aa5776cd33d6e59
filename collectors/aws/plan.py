"""Dry-run planning for one (account, region): what a run would fetch, the API calls, the estimated cost.

Sizing the plan needs the inventory, so a dry run makes the free, read-only list/describe calls
(ListFunctions, ListEndpoints, DescribeEndpoint/Config, DescribeLogGroups) but never a billable one:
no GetMetricData, no Logs Insights query. Calls are counted per scope; a real run shares GetMetricData
batches between the services of a region, so its count can be a little lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from collectors.aws import cloudwatch, logs_insights
from collectors.aws.clients import AwsClients, describe_error
from collectors.aws.collect import RegionOptions
from collectors.aws.constants import BYTES_PER_GB, GET_METRIC_DATA_USD_PER_METRIC, LOGS_INSIGHTS_USD_PER_GB
from collectors.aws.inventory import list_lambda_functions, list_sagemaker_endpoints
from collectors.aws.metrics import ResourceQueries, endpoint_queries, lambda_queries
from collectors.source import Plan, PlanItem, RunContext, Scope, ScopeOutcome, Window
from common.services import resource_key

LIST_PAGE = 50  # ListFunctions returns up to 50 functions per page


def _metric_plan(item: PlanItem, queries: Sequence[ResourceQueries], windows: Sequence[Window]) -> None:
    stat_queries = [q for rq in queries for q in rq.parts]
    calls = metrics = 0
    for window in windows:
        c, m = cloudwatch.plan_calls(stat_queries, window)
        calls, metrics = calls + c, metrics + m
    if calls:
        item.api_calls["cloudwatch:GetMetricData"] = calls
    item.estimated_cost_usd += metrics * GET_METRIC_DATA_USD_PER_METRIC
    item.notes.append(f"{len(stat_queries)} statistics per window, {metrics:,} metrics billed")


def _failed(scope: Scope, what: str, exc: Exception) -> ScopeOutcome:
    return ScopeOutcome(scope, "failed", errors=[f"{what}: {describe_error(exc)}"], missing=["everything"])


def plan_region(
    clients: AwsClients, region: str, scoped: dict[Scope, list[Window]], options: RegionOptions, ctx: RunContext
) -> Plan:
    plan = Plan()
    account = next(iter(scoped)).account
    for scope, windows in sorted(scoped.items()):
        item = PlanItem(scope, "")
        if scope.service == "lambda":
            client = clients.client("lambda", region)
            try:
                functions = list_lambda_functions(client)
            except Exception as exc:
                plan.failures.append(_failed(scope, "listing functions", exc))
                continue
            n = len(functions)
            item.what = f"{n} functions × {len(windows)} window(s)"
            item.api_calls["lambda:ListFunctions"] = max(1, math.ceil(n / LIST_PAGE))
            if options.provisioned_concurrency and n:
                item.api_calls["lambda:ListProvisionedConcurrencyConfigs"] = n
            queries = [lambda_queries(resource_key("lambda", account, region, f.name), f.name) for f in functions]
            _metric_plan(item, queries, windows)
            if options.logs_insights and functions:
                _logs_plan(item, clients, region, {f.log_group for f in functions}, windows, ctx)
        else:
            client = clients.client("sagemaker", region)
            try:
                endpoints = [e for e in list_sagemaker_endpoints(client) if e.service == scope.service]
            except Exception as exc:
                plan.failures.append(_failed(scope, "listing endpoints", exc))
                continue
            item.what = f"{len(endpoints)} endpoints × {len(windows)} window(s)"
            item.api_calls["sagemaker:ListEndpoints"] = 1
            if endpoints:
                item.api_calls["sagemaker:DescribeEndpoint"] = len(endpoints)
                item.api_calls["sagemaker:DescribeEndpointConfig"] = len({e.config_name for e in endpoints})
            queries = [endpoint_queries(resource_key(scope.service, account, region, e.name), e) for e in endpoints]
            _metric_plan(item, queries, windows)
        plan.items.append(item)
    return plan


def _logs_plan(
    item: PlanItem, clients: AwsClients, region: str, groups: set[str], windows: Sequence[Window], ctx: RunContext
) -> None:
    client = clients.client("logs", region)
    try:
        existing = logs_insights.describe_groups(client, groups)
    except Exception as exc:
        item.notes.append(f"Logs Insights not sized: {describe_error(exc)}")
        return
    item.api_calls["logs:DescribeLogGroups"] = 1 + len([g for g in groups if not g.startswith("/aws/lambda/")])
    scanned = 0
    queries = 0
    for window in windows:
        scanned += logs_insights.estimate_bytes(list(existing.values()), window, ctx.now)
        queries += len(logs_insights.plan_queries(list(existing), window))
    if queries:
        item.api_calls["logs:StartQuery"] = queries
        item.api_calls["logs:GetQueryResults"] = queries  # at least one poll each
    item.estimated_bytes_scanned = scanned
    item.estimated_cost_usd += scanned / BYTES_PER_GB * LOGS_INSIGHTS_USD_PER_GB
    item.notes.append(f"Logs Insights over {len(existing)} of {len(groups)} log groups (the others do not exist yet)")
