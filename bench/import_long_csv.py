"""Benchmark: import a generated long CSV (default 10 million rows) against a bare DuckDB read_csv.

Both runs load the same file into the ``metrics`` table of a fresh database, each in its own
subprocess so its peak memory (max RSS) is its own:
- **bare**: ``INSERT INTO metrics SELECT ... FROM read_csv(file)`` with DuckDB's type detection, no
  checks, no resources, no fingerprint — the floor;
- **ours**: ``importers.import_files`` — SHA-256, every row check, resources, the MERGE
  on the natural key, the uploads record, one transaction.
The target is ours <= 1.5x the bare time. Usage: ``python bench/import_long_csv.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
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


def generate(path: Path, rows: int) -> None:
    """200 resources x 10 metrics per minute; unique keys, realistic widths."""
    import duckdb

    per_minute = 200 * len(METRICS)
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT strftime(TIMESTAMP '2025-01-01' + to_seconds((i // {per_minute}) * 60), '%Y-%m-%dT%H:%M:%SZ')
                   AS timestamp,
                 'lambda' AS service,
                 'model-fn-' || ((i % {per_minute}) // {len(METRICS)}) AS resource,
                 $metrics[(i % {len(METRICS)}) + 1] AS metric,
                 round(random() * 1000, 3) AS value,
                 60 AS period_s,
                 'us-east-1' AS region,
                 '012345678901' AS account
          FROM range($rows) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """,
        {"metrics": METRICS, "rows": rows},
    )
    con.close()


def child_bare(csv_path: Path, db_path: Path) -> dict[str, float]:
    import duckdb

    sys.path.insert(0, str(ROOT))
    from store.db import connect

    with connect(db_path, read_only=False):
        pass  # schema
    started, cpu = time.perf_counter(), _cpu_s()
    con = duckdb.connect(str(db_path))
    con.execute(
        "INSERT INTO metrics SELECT concat(service, ':', account, ':', region, ':', resource), metric, "
        "timestamp::TIMESTAMP, period_s, value, 'bare' FROM read_csv(?)",
        [str(csv_path)],
    )
    con.close()
    return {"seconds": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "peak_rss_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_ours(csv_path: Path, db_path: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from importers import ImportOptions, InputFile, import_files
    from store.db import connect

    with connect(db_path, read_only=False):
        pass  # schema, as for bare
    started, cpu = time.perf_counter(), _cpu_s()
    (result,) = import_files(db_path, [InputFile.from_path(csv_path)], ImportOptions())
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": _cpu_s() - cpu,
        "rows": result.rows,
        "peak_rss_mb": _peak_mb(),
    }


def run_child(kind: str, csv_path: Path, db_path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(csv_path), str(db_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="run both loads this many times; report the best")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, csv_path, db_path = args.child
        fn = child_bare if kind == "bare" else child_ours
        print(json.dumps(fn(Path(csv_path), Path(db_path))))
        return 0
    with tempfile.TemporaryDirectory(prefix="breakeven-bench-") as tmp:
        csv_path = Path(tmp) / "metrics.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
        runs: dict[str, list[dict[str, float]]] = {"bare": [], "ours": []}
        for i in range(args.repeat):
            for kind in ("bare", "ours"):
                db = Path(tmp) / f"{kind}-{i}.duckdb"
                runs[kind].append(run_child(kind, csv_path, db))
                db.unlink()
                Path(f"{db}.wal").unlink(missing_ok=True)
        bare = min(runs["bare"], key=lambda fig: fig["seconds"])
        ours = min(runs["ours"], key=lambda fig: fig["seconds"])
    for name, fig in (("bare DuckDB read_csv", bare), ("breakeven import", ours)):
        print(
            f"{name:22s} {fig['seconds']:7.2f} s  {args.rows / fig['seconds']:>12,.0f} rows/s  "
            f"CPU {fig['cpu_s']:6.1f} s  peak RSS {fig['peak_rss_mb']:,.0f} MB"
        )
    ratio = ours["seconds"] / bare["seconds"]
    print(f"ratio ours/bare: {ratio:.2f}x wall, {ours['cpu_s'] / bare['cpu_s']:.2f}x CPU (target <= 1.5x wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
