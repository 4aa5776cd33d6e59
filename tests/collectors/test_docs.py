"""docs/collectors.md stays in step with the code: commands, exit codes, keys, permissions, metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from breakeven.cli import main
from collectors.aws.metrics import ENDPOINT_STATS, LAMBDA_STATS, SERVERLESS_STATS

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "collectors.md").read_text()


@pytest.mark.parametrize("command", ["run", "status"])
def test_every_command_has_help_and_is_documented(command, capsys):
    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m breakeven {command}")
    assert f"`{command}" in DOC


def test_scheduling_and_permissions_are_documented():
    assert "crontab" in DOC.lower() and "[Timer]" in DOC and "[Service]" in DOC
    policy = json.loads((REPO / "deploy" / "aws" / "breakeven-collector-policy.json").read_text())
    for statement in policy["Statement"]:
        for action in statement["Action"]:
            assert f"`{action}`" in DOC


def test_every_cloudwatch_metric_requested_is_in_the_mapping_table():
    for _namespace, metric, _stat, _role in (*LAMBDA_STATS, *ENDPOINT_STATS, *SERVERLESS_STATS):
        assert f"`{metric}`" in DOC, metric


def test_every_example_key_is_documented():
    keys = re.findall(r"^#?\s*([a-z_]+)\s*=", (REPO / "collectors.example.toml").read_text(), re.M)
    for key in set(keys) - {"db"}:
        assert f"`{key}`" in DOC, key
