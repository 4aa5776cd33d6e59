"""The least-privilege IAM policy allows every AWS operation the collectors call, and nothing writable.

Every client the collectors make comes from one seam, which reports each operation (botocore's
``before-call`` event on the session) to ``OPERATION_OBSERVERS``. This module runs a workload that
reaches every code path that calls AWS (all services, role assumption, Logs Insights, a dry run) and
also checks everything recorded by the other collector tests of the session (hence the file name:
it runs last).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from breakeven.cli import main
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


def test_every_operation_the_collectors_call_is_allowed(aws_env, aws_config, recorded_operations):
    seed.create_function(aws_env.url, "fn-a")
    seed.put_provisioned_concurrency(aws_env.url, "fn-a", "live", 1)
    seed.create_endpoint(aws_env.url, "ep-inst")
    seed.create_endpoint(aws_env.url, "ep-sls", serverless={"MemorySizeInMB": 1024, "MaxConcurrency": 2})
    logs = seed.client(aws_env.url, "logs")
    logs.create_log_group(logGroupName="/aws/lambda/fn-a")
    cfg = aws_config(role_arn="arn:aws:iam::123456789012:role/breakeven-read", logs_insights=True)
    main(["run", "--config", str(cfg), "--dry-run", "--since", "2h"])
    main(["run", "--config", str(cfg), "--since", "2h"])
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
