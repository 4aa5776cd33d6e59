"""Benchmark: import a generated 5-million-row AWS CUR 2.0 file against DuckDB's bare read of it.

The file (hourly rows of a month: Lambda requests, duration and data transfer for 2,300 functions, a
Savings Plan covering some, SageMaker hosting, lines without resource ids) is generated at run time as
Parquet (``--csv`` for gzipped CSV, as Data Exports also deliver it). Each load runs in its own subprocess:

- **bare**: ``CREATE TABLE raw AS SELECT * FROM read_parquet(file)`` (or ``read_csv``) into a fresh database
  file: DuckDB reading every row of the file, no checks, no transformation — the floor;
- **ours**: ``importers.import_files``, the path ``python -m breakeven import`` and the Upload page take, into a
  fresh database that knows the functions: the format detected, the file read with DuckDB (staged in a scratch
  file at this size), every row checked, costs amortised, split into UTC days, resource ids parsed, the store's
  check of the batch, the month's rows replaced and matched in one transaction.

It prints both times and their ratio. Usage: ``python bench/import_billing.py [--rows N] [--csv] [--repeat K]``.
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
ACCOUNT = "111122223333"
FUNCTIONS = 2300


def generate(path: Path, rows: int, csv: bool) -> None:
    import duckdb

    per_hour = FUNCTIONS * 3  # requests, duration, data transfer per function and hour
    target = f"'{path}' (FORMAT csv, HEADER, COMPRESSION gzip)" if csv else f"'{path}' (FORMAT parquet)"
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          WITH g AS (
            SELECT i, TIMESTAMP '2026-11-01' + to_hours(CAST((i // {per_hour}) % 720 AS BIGINT)) AS hour,
                   (i % {per_hour}) // 3 AS fn, i % 3 AS kind, (i % {per_hour}) // 3 % 5 = 0 AS covered
            FROM range($rows) t(i)
          )
          SELECT 'abc' || i AS identity_line_item_id,
                 strftime(hour, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(hour + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%SZ')
                     AS identity_time_interval,
                 'Anniversary' AS bill_bill_type, '999988887777' AS bill_payer_account_id,
                 TIMESTAMP '2026-11-01' AS bill_billing_period_start_date,
                 TIMESTAMP '2026-12-01' AS bill_billing_period_end_date,
                 '{ACCOUNT}' AS line_item_usage_account_id,
                 CASE WHEN kind = 1 AND covered THEN 'SavingsPlanCoveredUsage' ELSE 'Usage' END
                     AS line_item_line_item_type,
                 hour AS line_item_usage_start_date, hour + INTERVAL 1 HOUR AS line_item_usage_end_date,
                 CASE WHEN fn >= {FUNCTIONS - 100} THEN 'AmazonSageMaker' ELSE 'AWSLambda' END
                     AS line_item_product_code,
                 CASE WHEN fn >= {FUNCTIONS - 100} THEN 'USE1-Host:ml.m5.large'
                      WHEN kind = 0 THEN 'USE1-Request' WHEN kind = 1 THEN 'USE1-Lambda-GB-Second'
                      ELSE 'USE1-DataTransfer-Out-Bytes' END AS line_item_usage_type,
                 'Invoke' AS line_item_operation,
                 CASE WHEN fn % 97 = 0 THEN ''
                      WHEN fn >= {FUNCTIONS - 100} THEN 'arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/ep-' || fn
                      ELSE 'arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn-' || fn
                           || CASE WHEN fn % 7 = 0 THEN ':prod' ELSE '' END END AS line_item_resource_id,
                 round(random() * 1000, 4) AS line_item_usage_amount, 'USD' AS line_item_currency_code,
                 round(random() * 0.02, 10) AS line_item_unblended_cost,
                 round(random() * 0.02, 10) AS line_item_blended_cost,
                 'usage for fn-' || fn AS line_item_line_item_description,
                 'us-east-1' AS product_region_code, 'Serverless' AS product_product_family,
                 round(random() * 0.02, 10) AS pricing_public_on_demand_cost, 'OnDemand' AS pricing_term,
                 CASE WHEN kind = 0 THEN 'Requests' WHEN kind = 1 THEN 'Lambda-GB-Second' ELSE 'GB' END
                     AS pricing_unit,
                 CASE WHEN kind = 1 AND covered THEN round(random() * 0.015, 10) END
                     AS savings_plan_savings_plan_effective_cost,
                 CASE WHEN kind = 1 AND covered THEN 'arn:aws:savingsplans::{ACCOUNT}:savingsplan/sp-1' END
                     AS savings_plan_savings_plan_a_r_n
          FROM g
        ) TO {target}
        """,
        {"rows": rows},
    )
    con.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_bare(path: Path, db_path: Path) -> dict[str, float]:
    import duckdb

    reader = "read_parquet(?)" if path.name.endswith(".parquet") else "read_csv(?)"
    started, cpu = time.perf_counter(), _cpu_s()
    con = duckdb.connect(str(db_path))
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {reader}", [str(path)])
    rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    con.close()
    return {"seconds": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "rows": rows, "peak_rss_mb": _peak_mb()}


def child_ours(path: Path, db_path: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from importers import ImportOptions, InputFile, import_files
    from store.writes import Batch, ResourceRecord, write_batch

    functions = [ResourceRecord("lambda", ACCOUNT, "us-east-1", f"fn-{n}") for n in range(FUNCTIONS - 100)]
    endpoints = [
        ResourceRecord("sagemaker-endpoint", ACCOUNT, "us-east-1", f"ep-{n}") for n in range(FUNCTIONS - 100, FUNCTIONS)
    ]
    write_batch(db_path, Batch(resources=functions + endpoints))  # the estate the bill is matched to
    marks: dict[str, float] = {}
    started, cpu = time.perf_counter(), _cpu_s()

    def progress(fraction: float, label: str) -> None:
        if label.endswith("writing") and "read_s" not in marks:
            marks["read_s"] = time.perf_counter() - started

    (result,) = import_files(db_path, [InputFile.from_path(path)], ImportOptions(), progress=progress)
    summary = result.as_dict()
    return {
        "seconds": time.perf_counter() - started,
        "read_s": marks.get("read_s", float("nan")),
        "cpu_s": _cpu_s() - cpu,
        "rows": summary["rows"],
        "daily_rows": summary["charge_rows"],
        "matched_rows": summary["matched_rows"],
        "peak_rss_mb": _peak_mb(),
    }


def run_child(kind: str, path: Path, db_path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(db_path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--csv", action="store_true", help="generate gzipped CSV instead of Parquet")
    parser.add_argument("--repeat", type=int, default=1, help="run both loads this many times; report the best")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, file_path, db_path = args.child
        fn = child_bare if kind == "bare" else child_ours
        print(json.dumps(fn(Path(file_path), Path(db_path))))
        return 0
    with tempfile.TemporaryDirectory(prefix="breakeven-bench-billing-") as tmp:
        path = Path(tmp) / ("cur2.csv.gz" if args.csv else "cur2.parquet")
        t0 = time.perf_counter()
        generate(path, args.rows, args.csv)
        size_mb = path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} CUR 2.0 rows ({path.name}, {size_mb:,.0f} MB) in {time.perf_counter() - t0:.1f} s"
        )
        runs: dict[str, list[dict[str, float]]] = {"bare": [], "ours": []}
        for i in range(args.repeat):
            for kind in ("bare", "ours"):
                db = Path(tmp) / f"{kind}-{i}.duckdb"
                runs[kind].append(run_child(kind, path, db))
                db.unlink()
                Path(f"{db}.wal").unlink(missing_ok=True)
        bare = min(runs["bare"], key=lambda fig: fig["seconds"])
        ours = min(runs["ours"], key=lambda fig: fig["seconds"])
    assert bare["rows"] == ours["rows"] == args.rows, (bare, ours)
    for name, fig in (("bare DuckDB read", bare), ("breakeven import", ours)):
        print(
            f"{name:18s} {fig['seconds']:7.2f} s  {args.rows / fig['seconds']:>12,.0f} rows/s  "
            f"CPU {fig['cpu_s']:6.1f} s  peak RSS {fig['peak_rss_mb']:,.0f} MB"
        )
    print(
        f"  (ours: read and checked in {ours['read_s']:.2f} s; {ours['daily_rows']:,} daily charge rows, "
        f"{ours['matched_rows']:,} matched to a resource)"
    )
    print(f"ratio ours/bare: {ours['seconds'] / bare['seconds']:.2f}x wall, {ours['cpu_s'] / bare['cpu_s']:.2f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
