"""The sample bills in ``data/samples``: November 2026 of the tests' demo estate, in three formats.

Made by the demo's own bill code (``demo.bills``, which documents the deliberate differences), for the demo
that ends at ``tests.conftest.DEMO_END``. Regenerate after a change to the demo or the price sheets:
``python -m tests.billing.sample_bills``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from demo.bills import build_files
from demo.bills.usage import BillMonth

BILL_START = date(2026, 11, 1)
BILL_END = date(2026, 11, 28)  # the demo (tests.conftest.DEMO_END) ends 2026-11-29 00:00 UTC
NOVEMBER = BillMonth(BILL_START, BILL_START, BILL_END)


def build(db: Path, out: Path) -> list[Path]:
    """Write the three sample bills from the demo database ``db`` into ``out``."""
    return build_files(db, out, [NOVEMBER])


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    from demo import write_demo
    from tests.conftest import DEMO_END, PROJECT_ROOT

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "data" / "samples"
    scratch = target / ".sample-demo.duckdb"
    write_demo(scratch, end=DEMO_END)
    try:
        for path in build(scratch, target):
            print(path)
    finally:
        scratch.unlink(missing_ok=True)
        Path(f"{scratch}.wal").unlink(missing_ok=True)
