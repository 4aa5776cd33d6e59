"""The ``kind = "aws"`` source: Lambda, SageMaker endpoints and SageMaker Serverless from CloudWatch.

    [[sources]]
    kind = "aws"
    name = "prod"
    profile = "default"            # or profiles = [...], or role_arn / role_arns (assumed from the profile)
    regions = ["us-east-1", "eu-west-1"]
    services = ["lambda", "sagemaker-endpoint", "sagemaker-serverless"]
    logs_insights = false
    # endpoint_url = "http://127.0.0.1:5000"

Scopes are (account, region, service); the account id comes from STS GetCallerIdentity. Each (account,
region) is collected by ``collectors.aws.region`` in its own thread (``max_workers`` at a time).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

from collectors.aws.clients import AwsAccount, AwsClients, describe_error
from collectors.aws.constants import (
    DEFAULT_FIRST_RUN_DAYS,
    DEFAULT_LAG_MINUTES,
    DEFAULT_LOGS_INSIGHTS_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PERIOD_SECONDS,
    DEFAULT_RETRY_MODE,
    LAMBDA_MAX_TIMEOUT_MINUTES,
    RETENTION,
    RETRY_MODES,
    SERVICES,
)
from collectors.aws.plan import plan_region
from collectors.aws.region import RegionOptions, collect_region
from collectors.config import ConfigTable
from collectors.source import (
    Collection,
    Plan,
    RunContext,
    Scope,
    ScopeListing,
    ScopeOutcome,
    SourceSettings,
    Window,
)

REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
ROLE_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class AwsSource:
    kind: ClassVar[str] = "aws"
    retention = RETENTION

    def __init__(
        self,
        settings: SourceSettings,
        accounts: list[AwsAccount],
        regions: list[str],
        services: list[str],
        *,
        logs_insights: bool = False,
        logs_insights_concurrency: int = DEFAULT_LOGS_INSIGHTS_CONCURRENCY,
        endpoint_url: str | None = None,
        retry_mode: str = DEFAULT_RETRY_MODE,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        provisioned_concurrency: bool = True,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.regions = regions
        self.services = services
        self.endpoint_url = endpoint_url
        self.retry_mode = retry_mode
        self.max_attempts = max_attempts
        self.region_options = RegionOptions(
            source=settings.name,
            logs_insights=logs_insights,
            logs_insights_concurrency=logs_insights_concurrency,
            provisioned_concurrency=provisioned_concurrency,
        )
        self._clients: dict[str, AwsClients] = {}  # account id -> clients, filled by scopes()

    def clients_for(self, account: AwsAccount, ctx: RunContext) -> AwsClients:
        return AwsClients(
            account,
            endpoint_url=self.endpoint_url,
            retry_mode=self.retry_mode,
            max_attempts=self.max_attempts,
            on_call=ctx.usage.call,
            sts_region=self.regions[0],
        )

    def scopes(self, ctx: RunContext) -> ScopeListing:
        listing = ScopeListing()
        self._clients = {}
        for account in self.accounts:
            clients = self.clients_for(account, ctx)
            try:
                account_id = clients.account_id()
            except Exception as exc:
                scope = Scope(self.settings.name, account.label, "*", "*")
                listing.failures.append(
                    ScopeOutcome(scope, "failed", errors=[describe_error(exc)], missing=["everything"])
                )
                continue
            if account_id in self._clients:
                continue  # two identities reaching the same account: collect it once
            self._clients[account_id] = clients
            listing.scopes.extend(
                Scope(self.settings.name, account_id, region, service)
                for region in self.regions
                for service in self.services
            )
        return listing

    def _by_region(self, windows: Mapping[Scope, list[Window]]) -> dict[tuple[str, str], dict[Scope, list[Window]]]:
        grouped: dict[tuple[str, str], dict[Scope, list[Window]]] = defaultdict(dict)
        for scope, wins in windows.items():
            grouped[(scope.account, scope.region)][scope] = wins
        return grouped

    def plan(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Plan:
        plan = Plan()
        for (account, region), scoped in sorted(self._by_region(windows).items()):
            region_plan = plan_region(self._clients[account], region, scoped, self.region_options, ctx)
            plan.items.extend(region_plan.items)
            plan.failures.extend(region_plan.failures)
        if self.region_options.logs_insights:
            plan.notes.append(
                "Logs Insights bytes are estimated from each log group's storedBytes scaled to the window "
                "(compressed size, assumed evenly spread): treat them as an order of magnitude"
            )
        return plan

    def collect(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Collection:
        out = Collection()
        grouped = self._by_region(windows)

        def one(key: tuple[str, str]) -> Collection:
            account, region = key
            try:
                return collect_region(self._clients[account], account, region, grouped[key], self.region_options, ctx)
            except Exception as exc:
                reason = f"region failed: {describe_error(exc)}"
                return Collection(
                    outcomes=[ScopeOutcome(s, "failed", errors=[reason], missing=["everything"]) for s in grouped[key]]
                )

        with ThreadPoolExecutor(max_workers=self.settings.max_workers) as pool:
            for result in pool.map(one, sorted(grouped)):
                out.extend(result)
        return out


def _accounts(table: ConfigTable) -> list[AwsAccount]:
    if table.has("profile") and table.has("profiles"):
        raise table.error("profiles", "give either profile or profiles, not both")
    if table.has("role_arn") and table.has("role_arns"):
        raise table.error("role_arns", "give either role_arn or role_arns, not both")
    profiles = table.string_list("profiles") if table.has("profiles") else None
    profile = table.string("profile", None)
    roles = table.string_list("role_arns") if table.has("role_arns") else None
    role = table.string("role_arn", None)
    external_id = table.string("external_id", None)
    roles = roles or ([role] if role else None)
    if roles:
        if profiles:
            raise table.error("profiles", "roles are assumed from one base identity: use profile, not profiles")
        for arn in roles:
            if not ROLE_PATTERN.match(arn):
                raise table.error("role_arn", f"{arn!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)")
        return [AwsAccount(profile=profile, role_arn=arn, external_id=external_id) for arn in roles]
    if external_id:
        raise table.error("external_id", "only meaningful with role_arn")
    names = profiles or ([profile] if profile else None)
    return [AwsAccount(profile=p) for p in names] if names else [AwsAccount()]


def parse_source(table: ConfigTable) -> AwsSource:
    """Parse one ``kind = "aws"`` table (registered in ``collectors.config.SOURCE_KINDS``)."""
    settings = table.settings(
        lag_minutes=DEFAULT_LAG_MINUTES,
        period_seconds=DEFAULT_PERIOD_SECONDS,
        first_run_days=DEFAULT_FIRST_RUN_DAYS,
        min_lag_minutes=LAMBDA_MAX_TIMEOUT_MINUTES,
    )
    accounts = _accounts(table)
    regions = table.string_list("regions")
    for region in regions:
        if not REGION_PATTERN.match(region):
            raise table.error("regions", f"{region!r} is not an AWS region name like us-east-1")
    services = table.string_list("services", list(SERVICES), choices=SERVICES)
    endpoint_url = table.string("endpoint_url", None)
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise table.error("endpoint_url", f"{endpoint_url!r} must start with http:// or https://")
    return AwsSource(
        settings,
        accounts,
        regions,
        services,
        logs_insights=table.boolean("logs_insights", False),
        logs_insights_concurrency=table.integer(
            "logs_insights_concurrency", DEFAULT_LOGS_INSIGHTS_CONCURRENCY, minimum=1, maximum=30
        ),
        endpoint_url=endpoint_url,
        retry_mode=table.string("retry_mode", DEFAULT_RETRY_MODE, choices=RETRY_MODES),
        max_attempts=table.integer("max_attempts", DEFAULT_MAX_ATTEMPTS, minimum=1, maximum=20),
        provisioned_concurrency=table.boolean("provisioned_concurrency", True),
    )
