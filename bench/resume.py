"""Benchmark: a given-up estate run resumed from its checkpoint against a run from scratch.

On one bench estate (``bench/estate.py``), the default view's tables (``analysis.tables.assess_tables``, what
the pages' background run computes) in one process, ``--rounds`` times in turn: (1) from scratch; (2) stopped
at the end of its ``--after``-th group, as a given-up run is (its progress callback raising), the read it had
started of the next group waited for, so its CPU is counted there; (3) the same key again, resumed from the
checkpoint (2) left. Before this change the run after a stop was (1) again. Wall seconds and the process's CPU
seconds (DuckDB's and the read-ahead's threads included) are printed, and the resumed tables are checked equal
to the ones from scratch, to the ``repr``. Figures are printed, not asserted.

Usage: ``python bench/resume.py --db data/bench/estate-500.duckdb [--after 1] [--group 250] [--rounds 3]``
(``--group`` is ``BREAKEVEN_ESTATE_GROUP``, 250 unless set).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import chunked
from analysis.chunked import Checkpoint
from analysis.params import ModelParams
from analysis.stored_summary import default_filters
from analysis.tables import assess_tables
from pricing import load_price_book


class Stop(Exception):
    pass


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def _reads_settled() -> None:
    """Wait for a stopped run's read of its next group, which finishes on its own thread."""
    while any(t.name.startswith("estate-read") for t in threading.enumerate()):
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--after", type=int, default=1, help="groups done before the stop")
    parser.add_argument("--group", type=int, default=chunked.group_size(), help="resources per group")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["BREAKEVEN_ESTATE_GROUP"] = str(args.group)  # the setting every run in this process reads
    path, params, book = args.db, ModelParams(), load_price_book()
    filters = default_filters(path)
    print(f"{args.db.name}, groups of {args.group}, stopped after {args.after} group(s)")
    print(f"{'round':>5}  {'from scratch':>20}  {'stopped':>20}  {'resumed':>20}  same")
    for round_ in range(1, args.rounds + 1):
        scratch_wall, scratch_cpu, scratch = _timed(lambda: assess_tables(path, filters, params, book))
        _reads_settled()
        checkpoint = Checkpoint()

        def stop_at(done: int, total: int, checkpoint: Checkpoint = checkpoint) -> None:
            if checkpoint.groups >= args.after:
                raise Stop

        def stopped(checkpoint: Checkpoint = checkpoint, stop_at: Callable[[int, int], None] = stop_at) -> None:
            try:
                assess_tables(path, filters, params, book, progress=stop_at, checkpoint=checkpoint)
            except Stop:
                _reads_settled()

        stop_wall, stop_cpu, _ = _timed(stopped)
        groups_done = checkpoint.groups
        resume_wall, resume_cpu, resumed = _timed(
            lambda checkpoint=checkpoint: assess_tables(path, filters, params, book, checkpoint=checkpoint)
        )
        same = repr(resumed) == repr(scratch)
        print(
            f"{round_:>5}  {scratch_wall:6.2f} s, {scratch_cpu:6.2f} CPU  {stop_wall:6.2f} s, {stop_cpu:6.2f} CPU"
            f"  {resume_wall:6.2f} s, {resume_cpu:6.2f} CPU  {same} ({groups_done} group(s) kept, "
            f"{len(scratch.estate.rows)} rows)"
        )


if __name__ == "__main__":
    main()
