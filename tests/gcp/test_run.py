"""``python -m collectors run`` with a gcp source against the fakes: canonical metrics, units,
percentiles, configuration, idempotency, faults, dry run and credentials."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from collectors.cli import main
from collectors.errors import EXIT_OK
from tests.gcp.conftest import HOURS, gcp_config, window_args
from tests.gcp.estate import EXPECTED_PER_HOUR, hour_starts


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_run_fills_canonical_metrics_for_all_three_services(tmp_path, estate, base, pauses, capsys):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest)
    code = main(["run", "--config", str(cfg), *window_args(base), "--json"])
    out = capsys.readouterr()
    assert code == EXIT_OK, out
    db = tmp_path / "test.duckdb"
    hours = hour_starts(base, HOURS)
    for (service, project, region, name), expected in EXPECTED_PER_HOUR.items():
        rid = f"{service}:{project}:{region}:{name}"
        rows = query(db, "SELECT metric, period_start, period_s, value FROM metrics WHERE resource_id = ?", [rid])
        got = {}
        for metric, start, period_s, value in rows:
            assert period_s == 3600
            got.setdefault(metric, {})[start] = value
        assert set(got) == set(expected), rid
        for metric, value in expected.items():
            assert sorted(got[metric]) == hours, (rid, metric)
            for start in hours:
                assert got[metric][start] == pytest.approx(value, rel=1e-9), (rid, metric, start)
