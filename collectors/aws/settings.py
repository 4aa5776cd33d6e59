"""The ``kind = "aws"`` table of ``collectors.toml``: parsing and validation into :class:`AwsSettings`.

    [[sources]]
    kind = "aws"
    name = "prod"
    profile = "default"            # or profiles = [...], or role_arn / role_arns (assumed from the profile)
    regions = ["us-east-1", "eu-west-1"]
    services = ["lambda", "sagemaker-endpoint", "sagemaker-serverless"]
    logs_insights = false
    # endpoint_url = "http://127.0.0.1:5000"

Every error names the file, the source and the key, on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from collectors.aws.clients import AwsAccount
from collectors.aws.constants import (
    DEFAULT_FIRST_RUN_DAYS,
    DEFAULT_LAG_MINUTES,
    DEFAULT_LOGS_INSIGHTS_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PERIOD_SECONDS,
    DEFAULT_RETRY_MODE,
    LAMBDA_MAX_TIMEOUT_MINUTES,
    RETRY_MODES,
    SERVICES,
)
from collectors.config import ConfigTable
from collectors.source import SourceSettings

REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
ROLE_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


@dataclass(frozen=True)
class AwsSettings:
    """One ``kind = "aws"`` source as configured: identities, where and what to collect, how to call AWS."""

    common: SourceSettings
    accounts: tuple[AwsAccount, ...]
    regions: tuple[str, ...]
    services: tuple[str, ...]
    logs_insights: bool = False
    logs_insights_concurrency: int = DEFAULT_LOGS_INSIGHTS_CONCURRENCY
    endpoint_url: str | None = None
    retry_mode: str = DEFAULT_RETRY_MODE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    provisioned_concurrency: bool = True


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


def parse_settings(table: ConfigTable) -> AwsSettings:
    """Parse one ``kind = "aws"`` table; ``ConfigError`` naming the key on the first problem."""
    common = table.settings(
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
    return AwsSettings(
        common=common,
        accounts=tuple(accounts),
        regions=tuple(regions),
        services=tuple(services),
        logs_insights=table.boolean("logs_insights", False),
        logs_insights_concurrency=table.integer(
            "logs_insights_concurrency", DEFAULT_LOGS_INSIGHTS_CONCURRENCY, minimum=1, maximum=30
        ),
        endpoint_url=endpoint_url,
        retry_mode=table.string("retry_mode", DEFAULT_RETRY_MODE, choices=RETRY_MODES),
        max_attempts=table.integer("max_attempts", DEFAULT_MAX_ATTEMPTS, minimum=1, maximum=20),
        provisioned_concurrency=table.boolean("provisioned_concurrency", True),
    )
