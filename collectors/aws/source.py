"""The ``kind = "aws"`` source: Lambda, SageMaker endpoints and SageMaker Serverless from CloudWatch.

Built on the cloud skeleton (``collectors.cloud``): ``settings.py`` reads the ``[[sources]]`` table, this
module lists the scopes and groups them, ``plan.py`` sizes a dry run and ``collect.py`` collects a group.
Scopes are (account, region, service); the account id comes from STS GetCallerIdentity. A group is one
(account, region), so its services share GetMetricData batches; groups run in their own threads
(``max_workers`` at a time).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from collectors.aws.clients import AwsAccount, AwsClients, describe_error
from collectors.aws.collect import RegionCollector, RegionOptions
from collectors.aws.constants import RETENTION
from collectors.aws.plan import plan_region
from collectors.aws.settings import AwsSettings, parse_settings
from collectors.cloud import CloudSource, Scoped, failed_outcomes
from collectors.config import ConfigTable
from collectors.source import Collection, Plan, RunContext, Scope, ScopeListing


class AwsSource(CloudSource):
    kind: ClassVar[str] = "aws"
    retention = RETENTION

    def __init__(self, aws: AwsSettings) -> None:
        self.aws = aws
        self.settings = aws.common
        self.region_options = RegionOptions(
            source=aws.common.name,
            logs_insights=aws.logs_insights,
            logs_insights_concurrency=aws.logs_insights_concurrency,
            provisioned_concurrency=aws.provisioned_concurrency,
        )
        self._clients: dict[str, AwsClients] = {}  # account id -> clients, filled by scopes()

    def clients_for(self, account: AwsAccount, ctx: RunContext) -> AwsClients:
        return AwsClients(
            account,
            endpoint_url=self.aws.endpoint_url,
            retry_mode=self.aws.retry_mode,
            max_attempts=self.aws.max_attempts,
            on_call=ctx.usage.call,
            sts_region=self.aws.regions[0],
        )

    def scopes(self, ctx: RunContext) -> ScopeListing:
        listing = ScopeListing()
        self._clients = {}
        for account in self.aws.accounts:
            clients = self.clients_for(account, ctx)
            try:
                account_id = clients.account_id()
            except Exception as exc:
                scope = Scope(self.settings.name, account.label, "*", "*")
                listing.failures.extend(failed_outcomes([scope], describe_error(exc)))
                continue
            if account_id in self._clients:
                continue  # two identities reaching the same account: collect it once
            self._clients[account_id] = clients
            listing.scopes.extend(
                Scope(self.settings.name, account_id, region, service)
                for region in self.aws.regions
                for service in self.aws.services
            )
        return listing

    def group_of(self, scope: Scope) -> Hashable:
        return (scope.account, scope.region)

    def plan_group(self, key: Hashable, scoped: Scoped, ctx: RunContext) -> Plan:
        account, region = key  # type: ignore[misc]
        return plan_region(self._clients[account], region, scoped, self.region_options, ctx)

    def plan_notes(self) -> list[str]:
        if not self.aws.logs_insights:
            return []
        return [
            "Logs Insights bytes are estimated from each log group's storedBytes scaled to the window "
            "(compressed size, assumed evenly spread): treat them as an order of magnitude"
        ]

    def collect_group(self, key: Hashable, scoped: Scoped, run: Any, ctx: RunContext) -> Collection:
        account, region = key  # type: ignore[misc]
        return RegionCollector(self._clients[account], account, region, scoped, self.region_options, ctx).run()

    def describe_failure(self, exc: BaseException) -> str:
        return f"region failed: {describe_error(exc)}"


def parse_source(table: ConfigTable) -> AwsSource:
    """Parse one ``kind = "aws"`` table (registered in ``collectors.config.SOURCE_KINDS``)."""
    return AwsSource(parse_settings(table))
