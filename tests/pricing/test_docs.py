"""docs/pricing.md names every CLI command, every public API name and the file formats."""

from __future__ import annotations

from pathlib import Path

import pricing
from breakeven.cli import ALIASES, build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "pricing.md").read_text()


def test_every_cli_command_is_documented():
    prog = "python -m pricing"
    commands = build_parser(prog, ALIASES[prog])._subparsers._group_actions[0].choices
    assert sorted(commands) == ["compare", "estimate", "prices", "refresh"]
    for command in commands:
        assert f"python -m breakeven {command}" in DOC, command


def test_every_public_name_is_documented():
    missing = [name for name in pricing.__all__ if f"`{name}" not in DOC]
    assert missing == []


def test_formats_are_documented():
    for needle in (
        "USAGE.json",
        "[[discount]]",
        "[[override]]",
        "BREAKEVEN_PRICE_OVERRIDES",
        "--update-golden",
        '"confidence"',
        "730",
    ):
        assert needle in DOC, needle
