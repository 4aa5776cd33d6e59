"""The committed sample bills are what ``tests/billing/sample_bills.py`` makes from today's demo and price
sheets (so a change to either cannot leave them silently stale), and each is detected as its format."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.bills.writers import read_back
from importers.billing import detect_billing_format
from tests.billing.conftest import SAMPLE_FILES, SAMPLES
from tests.billing.sample_bills import build
from tests.conftest import PROJECT_ROOT


def test_the_committed_samples_are_current(demo_db_template: Path, tmp_path: Path) -> None:
    written = build(demo_db_template, tmp_path)
    assert sorted(p.name for p in written) == sorted(SAMPLE_FILES)
    for path in written:
        committed = read_back(SAMPLES / path.name)
        fresh = read_back(path)
        assert len(committed) == len(fresh), path.name
        assert [numbers_near(row) for row in committed] == [numbers_near(row) for row in fresh], (
            f"{path.name} is stale: run python -m tests.billing.sample_bills"
        )


def numbers_near(row: dict) -> dict:
    """A row with its numbers (also numbers written as text) compared to 1e-9 relative: the demo's daily sums
    come from DuckDB's parallel aggregation, whose last bits vary from run to run."""
    out = {}
    for key, value in row.items():
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = value
        out[key] = pytest.approx(number, rel=1e-9, abs=1e-12) if isinstance(number, float) else value
    return out


@pytest.mark.parametrize(
    ("name", "fmt"), list(zip(SAMPLE_FILES, ("cur2", "focus", "gcp-billing"), strict=True)), ids=list(SAMPLE_FILES)
)
def test_each_sample_is_detected_and_documented(name: str, fmt: str) -> None:
    assert detect_billing_format(SAMPLES / name) == fmt
    assert name in (SAMPLES / "README.md").read_text("utf-8")
    assert name in (PROJECT_ROOT / "docs" / "import.md").read_text("utf-8")
