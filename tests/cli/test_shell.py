"""The shell every command shares: --help, one-line errors with the documented code, closed pipes, settings."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from breakeven.cli import build_parser, main
from breakeven.exits import EXIT_CLOSED_PIPE, EXIT_SOFTWARE, EXIT_USAGE
from tests.conftest import PROJECT_ROOT

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]

# Arguments that get each command past its own checks to where it reads its settings.
MINIMAL = {
    "demo": ["--remove"],
    "import": ["{samples}/long.csv", "--dry-run"],
    "export": [],
    "run": ["--config", "{config}", "--dry-run"],
    "status": [],
    "estimate": ["{usage}"],
    "compare": ["{usage}"],
    "prices": [],
    "report": [],
}
AWS_CONFIG = '[[sources]]\nkind = "aws"\nname = "prod"\nregions = ["us-east-1"]\n'


def _args(command: str, tmp_path: Path) -> list[str]:
    (tmp_path / "collectors.toml").write_text(AWS_CONFIG)
    usage = '{"service": "lambda", "memory_mb": 1024, "requests": 1000, "avg_duration_ms": 100}'
    (tmp_path / "usage.json").write_text(usage)
    names = {"samples": PROJECT_ROOT / "data" / "samples", "config": tmp_path / "collectors.toml"}
    names["usage"] = tmp_path / "usage.json"
    return [a.format(**names) for a in MINIMAL[command]]


def test_every_command_is_covered_here() -> None:
    assert set(MINIMAL) | {"refresh"} == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_argument_is_one_line_and_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--no-such-option"]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and err.endswith(" --help)\n")


def test_no_command_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("command", sorted(MINIMAL))
def test_a_bad_environment_setting_is_a_configuration_error(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "soon")
    monkeypatch.setenv("BREAKEVEN_DB", str(tmp_path / "x.duckdb"))  # where a command would write, if it got so far
    monkeypatch.chdir(tmp_path)
    assert main([command, *_args(command, tmp_path)]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: BREAKEVEN_LOCK_WAIT_S='soon': "), err
    assert not (tmp_path / "x.duckdb").exists()


def test_a_bug_is_one_line_with_its_own_code_and_the_traceback_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import breakeven.commands.pricing as pricing_commands

    def broken(_args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pricing_commands, "_cmd_prices", broken)
    assert main(["prices"]) == EXIT_SOFTWARE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: unexpected ZeroDivisionError: division by zero; this is a bug")
    assert main(["--traceback", "prices"]) == EXIT_SOFTWARE
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith("this is a bug")


class ClosedPipe(io.TextIOBase):
    """A stdout whose reader has gone: every write fails as a real closed pipe does."""

    def __init__(self) -> None:
        self.buffer = self

    def write(self, _text: object) -> int:  # type: ignore[override]
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("command", ["prices", "status", "export"])
def test_a_closed_pipe_ends_the_command_quietly(
    command: str, empty_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = [] if command == "prices" else ["--db", str(empty_db)]
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main([command, *db]) == EXIT_CLOSED_PIPE
    assert capsys.readouterr().err == ""


def _read_a_little(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run a real process and close its stdout after 10 bytes, as ``| head -c 10`` does."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    with subprocess.Popen(
        [sys.executable, *argv], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.read(10)
        process.stdout.close()
        err = process.stderr.read()
        process.wait(timeout=120)
    return subprocess.CompletedProcess(argv, process.returncode, first, err)


@pytest.mark.parametrize("module", ["breakeven", "pricing"])
def test_a_real_closed_pipe_leaves_no_traceback(module: str) -> None:
    done = _read_a_little(["-m", module, "prices"])  # the price book is ~75 KB, more than a pipe holds
    assert len(done.stdout) == 10
    assert done.stderr == b"" and done.returncode == EXIT_CLOSED_PIPE


def test_an_export_into_a_closed_pipe_leaves_no_traceback(demo_db_template: Path) -> None:
    """Through the ``collectors`` alias, and through pyarrow's CSV writer rather than ``print``."""
    done = _read_a_little(["-m", "collectors", "export", "--db", str(demo_db_template)])
    assert done.stdout.startswith(b"timestamp,")
    assert done.stderr == b"" and done.returncode == EXIT_CLOSED_PIPE
