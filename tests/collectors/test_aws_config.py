"""The ``kind = "aws"`` table: what is accepted, and one-line errors for what is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import parse_config
from collectors.errors import ConfigError

BASE = 'db = "x.duckdb"\n[[sources]]\nkind = "aws"\nname = "prod"\nregions = ["us-east-1"]\n'


def parse(extra: str):
    base = BASE.replace('regions = ["us-east-1"]\n', "") if "regions =" in extra else BASE
    return parse_config(base + extra, Path("collectors.toml"))


def test_defaults_and_accounts():
    (source,) = parse("").sources
    assert source.aws.services == ("lambda", "sagemaker-endpoint", "sagemaker-serverless")
    assert source.settings.lag.total_seconds() == 30 * 60 and source.settings.period_s == 300
    assert [a.label for a in source.aws.accounts] == ["default-credentials"]
    (source,) = parse('profiles = ["a", "b"]\n').sources
    assert [a.label for a in source.aws.accounts] == ["profile:a", "profile:b"]
    arn = "arn:aws:iam::123456789012:role/breakeven-read"
    (source,) = parse(f'profile = "base"\nrole_arn = "{arn}"\nexternal_id = "x1"\n').sources
    (account,) = source.aws.accounts
    assert (account.profile, account.role_arn, account.external_id) == ("base", arn, "x1")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('regions = ["US East"]\n', "regions: 'US East' is not an AWS region name"),
        ('services = ["ec2"]\n', "services: unknown value(s) ['ec2']"),
        ('role_arn = "arn:aws:iam::1:user/x"\n', "is not an IAM role ARN"),
        ('profile = "a"\nprofiles = ["b"]\n', "either profile or profiles"),
        ('external_id = "x"\n', "only meaningful with role_arn"),
        ("lag_minutes = 5\n", "lag_minutes: 5 is below the minimum 15"),
        ('retry_mode = "legacy"\n', "retry_mode: 'legacy' is not one of standard, adaptive"),
        ('endpoint_url = "localhost:5000"\n', "must start with http:// or https://"),
        ('aws_secret_access_key = "x"\n', "unknown key(s) 'aws_secret_access_key'"),
        ("logs_insights = 1\n", "logs_insights: expected true or false"),
    ],
)
def test_bad_aws_tables_are_one_line_errors(extra, needle):
    with pytest.raises(ConfigError) as exc:
        parse(extra)
    message = str(exc.value)
    assert needle in message and "collectors.toml: [[sources]] #1 (prod)" in message
    assert "\n" not in message
