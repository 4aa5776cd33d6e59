"""Fixtures for the pricing tests: the bundled price book, and golden-file comparison."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from pricing import load_price_book

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def book():
    return load_price_book(use_env=False)


@pytest.fixture
def golden(request):
    """Compare a JSON-able report with tests/pricing/golden/<name>.json; --update-golden rewrites it."""

    def check(name: str, data: object) -> None:
        path = GOLDEN_DIR / f"{name}.json"
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        if request.config.getoption("--update-golden"):
            path.write_text(text, "utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path.name} is missing: run pytest --update-golden and review it")
        expected = path.read_text("utf-8")
        if expected != text:
            diff = "".join(
                difflib.unified_diff(expected.splitlines(True), text.splitlines(True), f"golden/{path.name}", "actual")
            )
            pytest.fail(f"{name} differs from its golden file (pytest --update-golden to accept):\n{diff}")

    return check
