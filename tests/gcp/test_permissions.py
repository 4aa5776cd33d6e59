"""The custom role grants exactly the permissions behind the API calls a full run makes, all read-only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from breakeven.cli import main
from breakeven.exits import EXIT_OK
from collectors.gcp.constants import REQUIRED_PERMISSIONS
from tests.gcp.conftest import gcp_config, window_args

ROLE = Path(__file__).resolve().parents[2] / "deploy" / "gcp" / "breakeven-collector-role.yaml"


def role_permissions() -> list[str]:
    """``includedPermissions`` of the role file (a plain YAML list; no YAML library needed)."""
    lines = ROLE.read_text().splitlines()
    start = lines.index("includedPermissions:")
    return [line.removeprefix("- ").strip() for line in lines[start + 1 :] if line.startswith("- ")]


def test_role_allows_every_call_of_a_full_run_and_nothing_more(tmp_path, estate, base, pauses):
    monitoring, rest = estate
    assert main(["run", "--config", str(gcp_config(tmp_path, monitoring, rest)), *window_args(base)]) == EXIT_OK
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        operations = set(json.loads(con.execute("SELECT api_calls FROM runs").fetchall()[0][0]))
    finally:
        con.close()
    assert operations == set(REQUIRED_PERMISSIONS)  # every operation is mapped to its permission
    granted = role_permissions()
    assert sorted(granted) == sorted(REQUIRED_PERMISSIONS[op] for op in operations)
    assert all(re.fullmatch(r"[a-z]+\.[A-Za-z]+\.(list|get)", p) for p in granted)  # read-only verbs only
