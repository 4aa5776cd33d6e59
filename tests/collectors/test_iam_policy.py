"""The least-privilege IAM policy allows every AWS operation the collectors call, and nothing writable.

Two directions, neither depending on which other tests ran before (this file passes alone and first):
- statically, every AWS operation named in ``collectors/aws`` (a client method or paginator that botocore's
  service models know) is allowed, and every allowed action is named there;
- at run time, a workload that reaches every code path that calls AWS (all services, role assumption,
  Logs Insights, a dry run) records the operations it made, as the client seam reports them into each
  run's ``api_calls``, and each is allowed.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import botocore.session
import pytest

from collectors.config import load_config
from collectors.runner import RunOptions, execute
from common.timeutil import utc_now
from tests.collectors import aws_seed as seed

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "deploy" / "aws" / "breakeven-collector-policy.json"
# Not in the read role's policy, with AWS's reason: GetCallerIdentity needs no permission at all;
# AssumeRole is granted to the *calling* identity (and trusted by the role), not to the role itself.
OUTSIDE_POLICY = {"sts:GetCallerIdentity", "sts:AssumeRole"}
READ_VERBS = ("Get", "List", "Describe", "BatchGet")
# Reading Logs Insights needs these two non-Get verbs: start our own query, and stop it when it times out.
READ_ONLY_EXCEPTIONS = {"logs:StartQuery", "logs:StopQuery"}
SERVICES = ("cloudwatch", "lambda", "logs", "sagemaker", "sts")  # every client collectors/aws makes


def allowed_actions() -> set[str]:
    policy = json.loads(POLICY.read_text())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def test_the_policy_grants_only_reads_and_no_wildcards():
    for action in allowed_actions():
        verb = action.partition(":")[2]
        assert "*" not in action and "?" not in action, action
        assert verb.startswith(READ_VERBS) or action in READ_ONLY_EXCEPTIONS, f"{action} is not a read"


def test_every_policy_action_is_called_by_the_collectors():
    source = "\n".join(p.read_text() for p in (REPO / "collectors" / "aws").glob("*.py"))
    for action in allowed_actions():
        verb = action.partition(":")[2]
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", verb).lower()
        assert f'"{snake}"' in source or f".{snake}(" in source, f"{action} is granted but never called"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_every_operation_named_in_the_collectors_is_allowed():
    source = "\n".join(p.read_text() for p in (REPO / "collectors" / "aws").glob("*.py"))
    called = set(re.findall(r"\.([a-z]+(?:_[a-z]+)*)\(", source)) | set(re.findall(r'get_paginator\("(\w+)"\)', source))
    session = botocore.session.get_session()
    named = {
        f"{service}:{operation}"
        for service in SERVICES
        for operation in session.get_service_model(service).operation_names
        if _snake(operation) in called
    }
    assert {"cloudwatch:GetMetricData", "lambda:ListFunctions", "logs:StartQuery"} <= named  # the scan works
    assert named - allowed_actions() - OUTSIDE_POLICY == set()


def _operations(config: Path, *, dry_run: bool) -> set[str]:
    now = utc_now()
    options = RunOptions(
        config=load_config(config),
        db_path=config.parent / "breakeven.duckdb",
        dry_run=dry_run,
        since=now - timedelta(hours=2),
        now=now,
    )
    return set(execute(options).run.api_calls)


def test_every_operation_the_collectors_call_is_allowed(aws_env, aws_config):
    seed.create_function(aws_env.url, "fn-a")
    seed.put_provisioned_concurrency(aws_env.url, "fn-a", "live", 1)
    seed.create_endpoint(aws_env.url, "ep-inst")
    seed.create_endpoint(aws_env.url, "ep-sls", serverless={"MemorySizeInMB": 1024, "MaxConcurrency": 2})
    logs = seed.client(aws_env.url, "logs")
    logs.create_log_group(logGroupName="/aws/lambda/fn-a")
    cfg = aws_config(role_arn="arn:aws:iam::123456789012:role/breakeven-read", logs_insights=True)
    recorded_operations = _operations(cfg, dry_run=True) | _operations(cfg, dry_run=False)
    expected = {
        "cloudwatch:GetMetricData",
        "lambda:ListFunctions",
        "lambda:ListProvisionedConcurrencyConfigs",
        "sagemaker:ListEndpoints",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "logs:DescribeLogGroups",
        "logs:StartQuery",
        "logs:GetQueryResults",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
    }
    assert expected <= recorded_operations
    allowed = allowed_actions()
    for operation in sorted(recorded_operations):
        assert operation in allowed or operation in OUTSIDE_POLICY, f"{operation} is called but not allowed"
