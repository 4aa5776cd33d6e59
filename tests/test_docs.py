"""The README is the newcomer's map: every CLI command and every page must be in it, and work with --help."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys

import pytest

from collectors.cli import build_parser as collectors_parser
from pricing.cli import build_parser as pricing_parser
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text("utf-8")


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


CLI = [("collectors", c) for c in _commands(collectors_parser())] + [
    ("pricing", c) for c in _commands(pricing_parser())
]


@pytest.mark.parametrize(("module", "command"), CLI)
def test_every_cli_command_is_in_the_readme_and_has_help(module: str, command: str) -> None:
    assert f"python -m {module} {command}" in README
    done = subprocess.run(
        [sys.executable, "-m", module, command, "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


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
    assert "pip install -r requirements.txt && streamlit run app.py" in README
    assert "python -m pytest" in README
