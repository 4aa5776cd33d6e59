"""Benchmark: import a generated long CSV (default 5 million rows) against a bare DuckDB ``read_csv``, into a new
database and into an existing one.

Each load runs in its own subprocess, so its peak memory (max RSS) is its own, and the four kinds of load are
interleaved in every repeat, so a busy machine slows them alike:
- **bare**: ``INSERT INTO metrics SELECT ... FROM read_csv(file)`` with DuckDB's type detection, no checks, no
  resources, no configuration, no fingerprint: the floor;
- **ours**: ``importers.import_files``: SHA-256, every row check (per distinct value for the low-cardinality
  columns), resources, the configuration from the file's ``memory_mb`` column (written set-wise), the store's
  own checks of the batch, the insert (or MERGE), the uploads record, one transaction.
"New" is a database file created by the load (schema included, for both); "existing" is a copy of a database
that already holds another 1 million rows of other resources. The aim is ours <= 1.5x bare for both.
Usage: ``python bench/import_long_csv.py [--rows N] [--repeat K] [--into new,existing] [--work-dir data/bench]
[--against ../main]`` (``--against``: another checkout's import runs in the same repeats, for before/after).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS = [
    "invocations",
    "errors",
    "throttles",
    "duration_ms_avg",
    "duration_ms_p50",
    "duration_ms_p90",
    "duration_ms_p99",
    "billed_duration_ms_sum",
    "cold_starts",
    "concurrency_max",
]
RESOURCES = 2000


def generate(path: Path, rows: int, prefix: str = "model-fn-") -> None:
    """2,000 Lambda functions x 10 metrics per minute, each with its memory size; unique keys, realistic widths."""
    import duckdb

    per_minute = RESOURCES * len(METRICS)
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT strftime(TIMESTAMP '2025-01-01' + to_seconds((i // {per_minute}) * 60), '%Y-%m-%dT%H:%M:%SZ')
                   AS timestamp,
                 'lambda' AS service,
                 $prefix || ((i % {per_minute}) // {len(METRICS)}) AS resource,
                 $metrics[(i % {len(METRICS)}) + 1] AS metric,
                 round(random() * 1000, 3) AS value,
                 60 AS period_s,
                 'us-east-1' AS region,
                 '012345678901' AS account,
                 128 * (1 + ((i % {per_minute}) // {len(METRICS)}) % 8) AS memory_mb
          FROM range($rows) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """,
        {"metrics": METRICS, "rows": rows, "prefix": prefix},
    )
    con.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(kind: str, csv_path: Path, db_path: Path) -> dict[str, float]:
    """One load, timed from the first line of work to the closed file (the schema is part of a new database)."""
    sys.path.insert(0, str(ROOT))
    started, cpu = time.perf_counter(), _cpu_s()
    if kind == "bare":
        import duckdb

        from store.db import connect

        with connect(db_path, read_only=False):
            pass  # schema (a no-op for an existing database)
        con = duckdb.connect(str(db_path))
        con.execute(
            "INSERT INTO metrics SELECT concat(service, ':', account, ':', region, ':', resource), metric, "
            "timestamp::TIMESTAMP, period_s, value, 'bare' FROM read_csv(?)",
            [str(csv_path)],
        )
        con.close()
        rows = 0
    else:
        from importers import ImportOptions, InputFile, import_files

        (result,) = import_files(db_path, [InputFile.from_path(csv_path)], ImportOptions())
        rows = result.rows
    return {"seconds": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "rows": rows, "peak_rss_mb": _peak_mb()}


def run_child(kind: str, csv_path: Path, db_path: Path, tree: Path | None = None) -> dict[str, float]:
    """One load in its own process; ``tree``: another checkout whose own benchmark runs it (its code)."""
    script = tree / "bench" / "import_long_csv.py" if tree else Path(__file__)
    out = subprocess.run(
        [sys.executable, str(script), "--child", kind, str(csv_path), str(db_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _existing(tmp: Path, rows: int) -> Path:
    """A database holding ``rows`` rows of other resources, loaded once and copied for every run."""
    sys.path.insert(0, str(ROOT))
    import duckdb

    from store.db import connect

    other = tmp / "other.csv"
    generate(other, rows, prefix="earlier-fn-")
    path = tmp / "existing.duckdb"
    with connect(path, read_only=False):
        pass
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO metrics SELECT concat(service, ':', account, ':', region, ':', resource), metric, "
        "timestamp::TIMESTAMP, period_s, value, 'earlier' FROM read_csv(?)",
        [str(other)],
    )
    con.execute("CHECKPOINT")
    con.close()
    other.unlink()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--existing-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="run every load this many times; report the best")
    parser.add_argument("--into", default="new,existing", help="the targets, comma-separated: new, existing")
    parser.add_argument("--work-dir", type=Path, help="where the CSV and databases go (default: the system's temp)")
    parser.add_argument(
        "--against", type=Path, help="another checkout (e.g. main's worktree) whose import runs too, as 'theirs'"
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, csv_path, db_path = args.child
        print(json.dumps(child(kind, Path(csv_path), Path(db_path))))
        return 0
    targets = [t for t in args.into.split(",") if t]
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="breakeven-bench-", dir=args.work_dir) as tmp_name:
        tmp = Path(tmp_name)
        csv_path = tmp / "metrics.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        existing = _existing(tmp, args.existing_rows) if "existing" in targets else None
        size_mb = csv_path.stat().st_size / 1e6
        took = time.perf_counter() - t0
        print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB) and an existing database in {took:.1f} s")
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for i in range(args.repeat):
            for target in targets:
                for kind in ("bare", "ours", *(["theirs"] if args.against else [])):
                    db = tmp / f"{kind}-{target}-{i}.duckdb"
                    if existing is not None and target == "existing":
                        shutil.copyfile(existing, db)
                    tree = args.against if kind == "theirs" else None
                    runs.setdefault((kind, target), []).append(
                        run_child(kind.replace("theirs", "ours"), csv_path, db, tree)
                    )
                    db.unlink()
                    Path(f"{db}.wal").unlink(missing_ok=True)
    best = {key: min(figs, key=lambda fig: fig["seconds"]) for key, figs in runs.items()}
    for target in targets:
        bare, ours = best[("bare", target)], best[("ours", target)]
        print(f"into a {target} database:")
        named = [("bare DuckDB read_csv", bare), ("breakeven import", ours)]
        if args.against:
            theirs = best[("theirs", target)]
            named.append((f"import of {args.against.name}", theirs))
        for name, fig in named:
            print(
                f"  {name:22s} {fig['seconds']:7.2f} s  {args.rows / fig['seconds']:>12,.0f} rows/s  "
                f"CPU {fig['cpu_s']:6.1f} s  peak RSS {fig['peak_rss_mb']:,.0f} MB"
            )
        all_ratios = sorted(
            o["seconds"] / b["seconds"] for o, b in zip(runs[("ours", target)], runs[("bare", target)], strict=True)
        )
        print(
            f"  ratio ours/bare: {ours['seconds'] / bare['seconds']:.2f}x wall (best of each), "
            f"{ours['cpu_s'] / bare['cpu_s']:.2f}x CPU; per repeat {', '.join(f'{r:.2f}x' for r in all_ratios)} "
            "(aim <= 1.5x wall)"
        )
        if args.against:
            cpu = sorted(
                o["cpu_s"] / b["cpu_s"] for o, b in zip(runs[("theirs", target)], runs[("bare", target)], strict=True)
            )
            print(f"  {args.against.name}/bare CPU per repeat: {', '.join(f'{r:.2f}x' for r in cpu)}")
        cpu = sorted(
            o["cpu_s"] / b["cpu_s"] for o, b in zip(runs[("ours", target)], runs[("bare", target)], strict=True)
        )
        print(f"  ours/bare CPU per repeat: {', '.join(f'{r:.2f}x' for r in cpu)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
