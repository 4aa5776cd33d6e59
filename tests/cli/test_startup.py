"""Issue 11: the command line's start-up (``python -m breakeven --help``, what every command pays before it
runs) imports none of the heavy modules only some commands need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "streamlit",
    "plotly",
    "demo.estate",
    "demo.simulate",
    "importers.orchestrate",
}


def test_help_imports_neither_numpy_nor_the_demo_estate() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "breakeven", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage:" in done.stdout
    # -X importtime writes one line per module imported: "import time: self | cumulative | name"
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "breakeven.cli" in imported  # the probe sees our imports
    assert sorted(HEAVY & imported) == []
