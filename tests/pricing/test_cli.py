"""The CLI as people and scripts use it: JSON out, one-line errors, exit code 2 on bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from breakeven.cli import main

ROOT = Path(__file__).resolve().parents[2]
TELEMETRY = {"service": "lambda", "memory_mb": 1024, "requests": 7_440_000, "avg_duration_ms": 2000}


def run_cli(capsys, *args: str, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_from_file_prints_the_issue_format(tmp_path, capsys):
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(TELEMETRY))
    code, out, err = run_cli(capsys, "estimate", str(path))
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["service"] == "lambda" and report["total_usd"] == 249.49
    for line in report["lines"]:
        assert {"item", "quantity", "unit", "unit_price_usd", "usd", "source"} <= set(line)
        assert {"url", "retrieved", "confidence"} <= set(line["source"])


def test_estimate_from_stdin(capsys, monkeypatch):
    code, out, _ = run_cli(capsys, "estimate", "-", stdin=json.dumps(TELEMETRY), monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["total_usd"] == 249.49


def test_compare_prints_alternatives_and_break_even(capsys, monkeypatch):
    usage = {**TELEMETRY, "avg_duration_ms": 100, "memory_mb": 1024}
    code, out, _ = run_cli(capsys, "compare", "-", stdin=json.dumps(usage), monkeypatch=monkeypatch)
    report = json.loads(out)
    assert code == 0
    assert report["current"]["service"] == "lambda"
    for alternative in report["alternatives"]:
        assert {"service", "pattern", "monthly_usd", "feasible", "reason", "assumptions"} <= set(alternative)
    assert report["break_even_requests_per_month"] > 0


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"service": "lambda", "memory_mb": 1024}', "error: requests: missing key\n"),
        (
            '{"service": "lambda", "memory_mb": 99999, "requests": 1, "avg_duration_ms": 1}',
            "error: memory_mb: must be at most 10240 (got 99999)\n",
        ),
        (
            '{"service": "lambda", "memory_mb": 128, "requests": 1, "avg_duration_ms": 1, "region": "xx-1"}',
            "error: region: unknown region 'xx-1' for lambda; known regions: eu-west-1, us-east-1, us-west-2\n",
        ),
        (
            "{not json",
            "error: usage is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2\n",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, monkeypatch, stdin, message):
    code, out, err = run_cli(capsys, "estimate", "-", stdin=stdin, monkeypatch=monkeypatch)
    assert (code, out, err) == (2, "", message)


def test_bad_overrides_flag_is_exit_2(tmp_path, capsys, monkeypatch):
    code, _, err = run_cli(
        capsys,
        "estimate",
        "-",
        "--overrides",
        str(tmp_path / "none.toml"),
        stdin=json.dumps(TELEMETRY),
        monkeypatch=monkeypatch,
    )
    assert code == 2 and err.startswith("error: overrides file not found") and err.count("\n") == 1


def test_unknown_argument_is_one_line(capsys):
    code, _, err = run_cli(capsys, "estimate")
    assert code == 2 and err.count("\n") == 1 and "USAGE.json" in err


@pytest.mark.parametrize("command", ["estimate", "compare", "prices", "refresh"])
def test_every_command_has_help(capsys, command):
    code, out, _ = run_cli(capsys, command, "--help")
    assert code == 0 and "usage: python -m breakeven " + command in out


def test_prices_lists_provenance(capsys):
    code, out, _ = run_cli(capsys, "prices", "--service", "sagemaker-endpoint", "--region", "us-east-1")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 10
    assert all(row["source"]["url"].startswith("https://") and row["source"]["retrieved"] for row in rows)


def _clean_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GOOGLE_", "CLOUDSDK_"))}
    return {
        **keep,
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"),
        "PYTHONPATH": str(ROOT),
    }


@pytest.mark.parametrize(
    ("provider", "needle"), [("aws", "no AWS credentials found"), ("gcp", "no Google credentials found")]
)
def test_refresh_without_credentials_fails_with_one_line(tmp_path, provider, needle):
    # A real process, so `python -m pricing` itself is exercised; no network is reached (no credentials, and the
    # instance metadata service is disabled).
    done = subprocess.run(
        [sys.executable, "-m", "pricing", "refresh", "--provider", provider, "--dry-run"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 5  # EXIT_FAILED: no prices from the API
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and needle in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("usage", "wanted"),
    [
        ('"service": "cloud-run", "requests": 1000, "billable_instance_seconds": 100', "cloud-functions"),
        (
            '"service": "cloud-functions", "memory_mb": 256, "requests": 1000, "avg_duration_ms": 100',
            "sagemaker-serverless",
        ),
    ],
)
def test_an_alternative_that_is_not_modelled_is_refused_not_answered_empty(capsys, monkeypatch, usage, wanted):
    stdin = f'{{{usage}, "alternative": {{"service": "{wanted}"}}}}'
    code, out, err = run_cli(capsys, "compare", "-", stdin=stdin, monkeypatch=monkeypatch)
    assert code == 2 and out == ""
    assert (
        err.startswith(f"error: alternative.service: cannot model {wanted} from ") and "choose vertex-endpoint" in err
    )
