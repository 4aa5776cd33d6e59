"""Faults over real HTTP: throttling, 5xx, expired credentials, a region or an account down; no secret leaks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL
from tests.collectors import aws_seed as seed
from tests.collectors.aws_fake import Fault
from tests.collectors.conftest import ACCESS_KEY, SECRET_KEY

pytestmark = pytest.mark.slow


def table(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def run_json(cfg, capsys, *extra):
    code = main(["run", "--config", str(cfg), "--json", *extra])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_throttling_is_retried_and_the_run_is_ok(aws_env, aws_config, capsys):
    seed.create_function(aws_env.url, "fn-a")
    aws_env.layer.faults.append(Fault("lambda", 429, "TooManyRequestsException", operation="/functions", times=1))
    code, report, _ = run_json(aws_config(services=["lambda"], retry_mode="standard"), capsys)
    assert code == EXIT_OK
    assert report["scopes"][0]["collected"][0] == "1 functions"
    assert not aws_env.layer.faults  # the fault was served, and botocore retried past it


def test_a_region_that_is_down_fails_alone(aws_env, aws_config, tmp_path, capsys):
    seed.create_function(aws_env.url, "fn-east")
    seed.create_function(aws_env.url, "fn-west", region="eu-west-1")
    aws_env.layer.faults.append(Fault("*", 503, "ServiceUnavailable", region="eu-west-1"))
    cfg = aws_config(regions=("us-east-1", "eu-west-1"), max_attempts=1)
    code, report, err = run_json(cfg, capsys)
    assert code == EXIT_PARTIAL
    status = {s["scope"]: s["status"] for s in report["scopes"]}
    assert {k for k, v in status.items() if v == "failed"} == {
        f"test/123456789012/eu-west-1/{s}" for s in ("lambda", "sagemaker-endpoint", "sagemaker-serverless")
    }
    assert all(v == "ok" for k, v in status.items() if "us-east-1" in k)
    db = tmp_path / "breakeven.duckdb"
    assert table(db, "SELECT name FROM resources") == [("fn-east",)]
    assert {r[0] for r in table(db, "SELECT region FROM watermarks")} == {"us-east-1"}
    errors = json.loads(table(db, "SELECT errors FROM runs")[0][0])
    assert len(errors) == 3 and all("eu-west-1" in e and "ServiceUnavailable" in e for e in errors)
    assert "Traceback" not in err


def test_expired_credentials_fail_only_what_they_touch(aws_env, aws_config, tmp_path, capsys):
    seed.create_function(aws_env.url, "fn-a")
    aws_env.layer.faults.append(Fault("sagemaker", 400, "ExpiredTokenException"))
    code, report, _ = run_json(aws_config(), capsys)
    assert code == EXIT_PARTIAL
    by_service = {s["scope"].rsplit("/", 1)[1]: s for s in report["scopes"]}
    assert by_service["lambda"]["status"] == "ok"
    assert by_service["sagemaker-endpoint"]["status"] == "failed"
    assert (
        "expired or invalid credentials (ExpiredTokenException on ListEndpoints)"
        in by_service["sagemaker-serverless"]["errors"][0]
    )
    assert table(tmp_path / "breakeven.duckdb", "SELECT name FROM resources") == [("fn-a",)]


def test_an_account_that_cannot_authenticate_fails_alone(aws_env, aws_config, tmp_path, capsys):
    roles = ["arn:aws:iam::111111111111:role/breakeven-read", "arn:aws:iam::222222222222:role/breakeven-read"]
    aws_env.layer.faults.append(Fault("sts", 403, "ExpiredToken", operation="", times=1))
    code, report, _ = run_json(aws_config(role_arns=roles, services=["lambda"], max_attempts=1), capsys)
    assert code == EXIT_PARTIAL
    scopes = {s["scope"]: s for s in report["scopes"]}
    failed = scopes[f"test/role:{roles[0]}/*/*"]
    assert failed["status"] == "failed" and "expired or invalid credentials (ExpiredToken" in failed["errors"][0]
    assert scopes["test/222222222222/us-east-1/lambda"]["status"] == "ok"


def test_every_scope_failing_is_exit_5(aws_env, aws_config, capsys):
    aws_env.layer.faults.append(Fault("sts", 403, "InvalidClientTokenId"))
    code, report, _ = run_json(aws_config(max_attempts=1), capsys)
    assert code == EXIT_FAILED and report["status"] == "failed"


def test_metrics_that_could_not_be_read_are_not_zero_filled(aws_env, aws_config, tmp_path, capsys):
    seed.create_function(aws_env.url, "fn-a")
    aws_env.layer.faults.append(Fault("monitoring", 503, "ServiceUnavailable"))
    code, report, _ = run_json(aws_config(services=["lambda"], max_attempts=1), capsys, "--since", "2h")
    assert code == EXIT_PARTIAL
    (scope,) = report["scopes"]
    assert scope["status"] == "partial" and scope["missing"][0].startswith("metrics of 1 resource(s)")
    db = tmp_path / "breakeven.duckdb"
    assert table(db, "SELECT count(*) FROM metrics") == [(0,)]
    assert table(db, "SELECT memory_mb FROM resource_config") == [(1024,)]  # inventory still written
    assert table(db, "SELECT count(*) FROM watermarks") == [(0,)]  # re-read next time


def test_no_credential_reaches_the_database_or_the_output(aws_env, aws_config, tmp_path, capsys, caplog):
    base = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0) - timedelta(hours=2)
    seed.create_function(aws_env.url, "fn-a")
    seed.put_metric(aws_env.url, "AWS/Lambda", "Invocations", {"FunctionName": "fn-a"}, seed.minutes(base, 30, 1.0))
    aws_env.layer.faults.append(Fault("sagemaker", 400, "ExpiredTokenException"))
    cfg = aws_config(profile="default", logs_insights=True)
    main(["run", "--config", str(cfg), "-v", "--since", "3h"])
    main(["status", "--config", str(cfg), "--json"])
    out = capsys.readouterr()
    db = tmp_path / "breakeven.duckdb"
    dumped = []
    for (name,) in table(db, "SELECT table_name FROM information_schema.tables"):
        dumped.extend(str(row) for row in table(db, f'SELECT * FROM "{name}"'))
    text = "\n".join([*dumped, out.out, out.err, caplog.text])
    assert "fn-a" in text and "ExpiredTokenException" in text  # the dump is real
    assert SECRET_KEY not in text and ACCESS_KEY not in text
    assert SECRET_KEY not in db.read_bytes().decode("latin-1")


def test_a_failed_provisioned_concurrency_read_keeps_the_last_configuration(aws_env, aws_config, tmp_path, capsys):
    seed.create_function(aws_env.url, "fn-pc")
    aws_env.layer.configs["fn-pc"] = {"live": 5}
    cfg = aws_config(services=["lambda"], max_attempts=1)
    assert run_json(cfg, capsys)[0] == EXIT_OK
    aws_env.layer.faults.append(Fault("lambda", 500, "ServiceException", operation="provisioned-concurrency"))
    code, report, _ = run_json(cfg, capsys)
    assert code == EXIT_PARTIAL and "provisioned concurrency of 1 function(s)" in report["scopes"][0]["missing"]
    rows = table(tmp_path / "breakeven.duckdb", "SELECT provisioned_concurrency FROM resource_config")
    assert rows == [(5,)]  # no snapshot saying "no provisioned concurrency" was written
