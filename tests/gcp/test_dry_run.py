"""``run --dry-run`` with a gcp source: a plan of calls and cost, and nothing fetched or written."""

from __future__ import annotations

import json

from breakeven.cli import main
from breakeven.exits import EXIT_OK
from tests.gcp.conftest import gcp_config, window_args


def test_dry_run_fetches_and_writes_nothing(tmp_path, estate, base, capsys):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest)
    assert main(["run", "--config", str(cfg), "--dry-run", *window_args(base), "--json"]) == EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    assert not (tmp_path / "test.duckdb").exists()
    assert not monitoring.service.requests and not rest.fake.requests
    scopes = {item["scope"]: item for item in plan["items"]}
    assert set(scopes) == {
        f"ml-prod/{p}/all/{s}"
        for p in ("acme-ml", "acme-ml-2")
        for s in ("cloud-functions", "cloud-run", "vertex-endpoint")
    }
    # Nothing stored yet: one call per metric query is the floor, and the cost is not known.
    assert scopes["ml-prod/acme-ml/all/cloud-run"]["api_calls"]["monitoring:ListTimeSeries"] == 8
    assert plan["total_estimated_cost_usd"] == 0
    assert any("unconfirmed" in note for note in plan["notes"])


def test_dry_run_after_a_run_estimates_from_known_resources(tmp_path, estate, base, pauses, capsys):
    monitoring, rest = estate
    cfg = gcp_config(tmp_path, monitoring, rest)
    assert main(["run", "--config", str(cfg), *window_args(base)]) == EXIT_OK
    sent = len(monitoring.service.requests)
    capsys.readouterr()
    assert main(["run", "--config", str(cfg), "--dry-run", *window_args(base)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("DRY RUN")
    assert "monitoring:ListTimeSeries" in out and "estimated API cost $0.0000" in out
    assert len(monitoring.service.requests) == sent  # still nothing fetched
    capsys.readouterr()
    main(["run", "--config", str(cfg), "--dry-run", *window_args(base), "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert plan["total_estimated_cost_usd"] > 0
    run_scope = next(i for i in plan["items"] if i["scope"] == "ml-prod/acme-ml/all/cloud-run")
    assert run_scope["api_calls"]["run:ListServices"] == 1  # one location known: europe-west1
    assert "2 resources known" in run_scope["what"]
