"""Benchmark: the persisted summary (``analysis.stored_summary``) on the bench estates.

For each size: what a write command's refresh costs (the default view's tables and the Overview's spend
computed and stored: the assessment itself, as before, plus the JSON form and one transaction), and then, in
a fresh process (a server restart), what the Costs page's estate and the Overview's spend cost read from the
stored rows, against a floor measured in the same process: the bare read of the same rows' JSON text and
``json.loads`` of it (no digest, no typed check). The estates are read from ``--dir`` and copied into
``--work-dir`` (git-ignored ``data/bench``), since the summary is written into the database: the originals
are never written to. Figures are printed, not asserted.

Usage: ``python bench/stored_summary.py --sizes 500 2000 5000 --dir /path/to/estates``
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.params import ModelParams
from store.db import ensure_database, run_read


def _copy(source: Path, work: Path) -> Path:
    target = work / f"{source.stem}-summary.duckdb"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        shutil.copyfile(source, target)
    ensure_database(target)  # migrated to this code's schema (the data version and the summary's tables)
    return target


def _timed(fn, repeats: int) -> tuple[float, float, object]:  # noqa: ANN001 - any callable
    best_wall = best_cpu = float("inf")
    value = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        best_wall, best_cpu = min(best_wall, time.perf_counter() - wall), min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, value


def load(path: Path, repeats: int) -> dict[str, float]:
    """In this (fresh) process: the stored estate and spend read as the pages read them, and the floor."""
    from analysis import stored_summary, summary_form
    from pricing import load_price_book
    from pricing.overrides import overrides_path_from_env

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("the stored summary did not match: the bench would replay the estate")

    stored_summary.tables_module.assess_tables = refuse  # a miss must not pass for a read
    stored_summary.window_spend.estate_spend = refuse
    book = load_price_book()
    filters = stored_summary.default_filters(path)
    key, _ = summary_form.summary_key(filters, ModelParams(), summary_form.overrides_digest(overrides_path_from_env()))
    out: dict[str, float] = {}
    wall, cpu, tables = _timed(lambda: stored_summary.tables_for(path, filters, ModelParams(), book), 1)
    out["first_tables_wall"], out["first_tables_cpu"] = wall, cpu
    out["tables_wall"], out["tables_cpu"], _ = _timed(
        lambda: stored_summary.tables_for(path, filters, ModelParams(), book), repeats
    )
    out["spend_wall"], out["spend_cpu"], _ = _timed(
        lambda: stored_summary.spend_for(path, filters, ModelParams(), book, tables.estate), repeats
    )

    def floor() -> int:
        bodies = run_read(
            path, lambda con: con.execute("SELECT body FROM summary_rows WHERE key = ?", [key]).fetchall()
        )
        return len([json.loads(b) for (b,) in bodies])

    out["floor_wall"], out["floor_cpu"], rows = _timed(floor, repeats)
    out["rows"] = float(rows)
    out["resources"] = float(len(tables.estate.rows))
    out["json_mb"] = (
        run_read(
            path, lambda con: con.execute("SELECT sum(strlen(body)) FROM summary_rows WHERE key = ?", [key]).fetchall()
        )[0][0]
        / 1e6
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--dir", type=Path, default=Path("data/bench"), help="where estate-<n>.duckdb are")
    parser.add_argument("--work-dir", type=Path, default=Path("data/bench"), help="where the copies are written")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)  # the fresh process's part
    args = parser.parse_args()
    if args.load:
        print(json.dumps(load(args.load, args.repeats)))
        return
    from analysis.stored_summary import refresh_default

    args.work_dir.mkdir(parents=True, exist_ok=True)
    head = (
        "resources",
        "refresh wall/CPU s",
        "stored rows",
        "JSON MB",
        "first read",
        "read wall/CPU",
        "floor",
        "spend",
    )
    lines = []
    for size in args.sizes:
        path = _copy(args.dir / f"estate-{size}.duckdb", args.work_dir)
        done = refresh_default(path)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"{done.line()} (this process's peak so far {peak:.2f} GB)", flush=True)
        fresh = subprocess.run(
            [sys.executable, __file__, "--load", str(path), "--repeats", str(args.repeats)],
            capture_output=True,
            text=True,
            check=False,
        )
        if fresh.returncode:
            raise SystemExit(f"the fresh process failed: {fresh.stderr.strip().splitlines()[-1:]}")
        got = json.loads(fresh.stdout.strip().splitlines()[-1])
        lines.append(
            (
                f"{size:,}",
                f"{done.seconds:.1f} / {done.cpu_seconds:.1f}",
                f"{got['rows']:,.0f}",
                f"{got['json_mb']:.1f}",
                f"{got['first_tables_wall']:.3f} / {got['first_tables_cpu']:.3f}",
                f"{got['tables_wall']:.3f} / {got['tables_cpu']:.3f}",
                f"{got['floor_wall']:.3f} / {got['floor_cpu']:.3f}",
                f"{got['spend_wall']:.3f} / {got['spend_cpu']:.3f}",
            )
        )
    print(" | ".join(head))
    for line in lines:
        print(" | ".join(line))


if __name__ == "__main__":
    main()
