"""docs/gcp.md stays in step with the code: every key, every metric read, every permission."""

from __future__ import annotations

import re
from pathlib import Path

from collectors.gcp.constants import FUNCTIONS_PREFIX, REQUIRED_PERMISSIONS, RUN_PREFIX, VERTEX_PREFIX
from collectors.gcp.queries import SERVICE_QUERIES

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "gcp.md").read_text()
SETTINGS = (REPO / "collectors" / "gcp" / "settings.py").read_text()


def test_every_metric_read_is_in_the_mapping_tables():
    prefixes = {"cloud-functions": FUNCTIONS_PREFIX, "cloud-run": RUN_PREFIX, "vertex-endpoint": VERTEX_PREFIX}
    for service, queries in SERVICE_QUERIES.items():
        assert f"`{prefixes[service]}`" in DOC  # each table names its prefix once
        for query in queries:
            assert f"`{query.metric_type.removeprefix(prefixes[service])}`" in DOC, query.metric_type


def test_every_source_key_is_documented():
    keys = set(re.findall(r'table\.(?:string|string_list|boolean|integer)\("([a-z_]+)"', SETTINGS))
    keys |= set(re.findall(r'_float\(table, "([a-z_]+)"', SETTINGS))
    keys.add("regions")
    assert len(keys) > 10
    for key in keys - {"kind", "name"}:
        assert f"`{key}`" in DOC, key


def test_roles_and_permissions_are_documented():
    for permission in REQUIRED_PERMISSIONS.values():
        assert f"`{permission}`" in DOC
    for role in ("roles/monitoring.viewer", "roles/run.viewer", "roles/aiplatform.viewer"):
        assert f"`{role}`" in DOC
    assert "deploy/gcp/breakeven-collector-role.yaml" in DOC and "cron" in DOC.lower()
    assert "[[sources.overrides]]" in DOC
