"""The README is the newcomer's map: every CLI command and every page must be in it, and work with --help."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys

import pytest

from breakeven.cli import ALIASES, build_parser
from breakeven.exits import EXIT_CODES
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text("utf-8")


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


COMMANDS = _commands(build_parser())
ALIASED = [(prog, command) for prog, commands in ALIASES.items() for command in commands]


def _help(prog: str, command: str) -> str:
    """``prog command --help`` in a real process; its output, after checking it exits 0."""
    done = subprocess.run(
        [sys.executable, *prog.split()[1:], command, "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_cli_command_is_in_the_readme_and_has_help(command: str) -> None:
    assert f"python -m breakeven {command}" in README
    assert _help("python -m breakeven", command).startswith(f"usage: python -m breakeven {command}")


@pytest.mark.parametrize(("prog", "command"), ALIASED)
def test_the_older_entry_points_still_run_their_commands(prog: str, command: str) -> None:
    assert command in COMMANDS
    assert _commands(build_parser(prog, ALIASES[prog])) == sorted(ALIASES[prog])
    assert _help(prog, command).startswith(f"usage: {prog} {command}")


def test_the_aliases_are_mentioned() -> None:
    for prog in ALIASES:
        assert f"`{prog}`" in README


@pytest.mark.parametrize("doc", ["README.md", "docs/collectors.md"])
def test_every_exit_code_is_documented_as_the_code_says(doc: str) -> None:
    text = (PROJECT_ROOT / doc).read_text("utf-8")
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in text, f"{doc}: exit code {code} is not in its table as the code says"


def _page_titles() -> list[str]:
    tree = ast.parse((PROJECT_ROOT / "app.py").read_text("utf-8"))
    titles = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            titles += [kw.value.value for kw in node.keywords if kw.arg == "title"]
    return titles


def test_every_page_is_described_in_the_readme() -> None:
    titles = _page_titles()
    assert len(titles) >= 2
    for title in titles:
        assert f"**{title}**" in README, f"page {title!r} is not in the README's page table"


def test_the_two_commands_are_there() -> None:
    assert "pip install -r requirements.txt && MALLOC_ARENA_MAX=2 streamlit run app.py" in README
    assert "python -m pytest" in README
