"""Benchmark: import a generated CloudWatch ``get-metric-data`` result file (JSON) with its queries, against the
floor of only decoding the same JSON.

The file holds Lambda functions x 4 statistics (Invocations Sum, Errors Sum, Duration Average,
ConcurrentExecutions Maximum) per minute, the timestamps newest first as CloudWatch returns them. "ours" is
``importers.prepare`` (detection, SHA-256, the parse, the canonical rows and the store's ``check_batch``), the
floor ``json.loads`` of the same bytes: a Python reader of this format cannot do less. CPU seconds of this
process (the parse is single-threaded Python); best of ``--repeat``.
Usage: ``python bench/import_cloudwatch.py [--functions N] [--points P] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATS = [("Invocations", "Sum"), ("Errors", "Sum"), ("Duration", "Average"), ("ConcurrentExecutions", "Maximum")]


def generate(folder: Path, functions: int, points: int) -> tuple[Path, Path]:
    """The results file and the queries file that were run, ``functions`` x 4 series of ``points`` minutes."""
    start = datetime(2025, 5, 1)
    stamps = [(start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(points)][::-1]
    queries, results = [], []
    for f in range(functions):
        for j, (metric, stat) in enumerate(STATS):
            qid = f"q{f}_{j}"
            dims = [{"Name": "FunctionName", "Value": f"fn-{f}"}]
            stat_spec = {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims}}
            queries.append({"Id": qid, "MetricStat": {**stat_spec, "Period": 60, "Stat": stat}, "ReturnData": True})
            values = [float((i * 7 + f) % 100) for i in range(points)]
            results.append(
                {"Id": qid, "Label": metric, "Timestamps": stamps, "Values": values, "StatusCode": "Complete"}
            )
    results_path, queries_path = folder / "results.json", folder / "queries.json"
    results_path.write_text(json.dumps({"MetricDataResults": results}))
    queries_path.write_text(json.dumps(queries))
    return results_path, queries_path


def _cpu(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--points", type=int, default=2880, help="minutes per series (2,880: two days)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from importers import ImportOptions, InputFile, prepare

    with tempfile.TemporaryDirectory(prefix="breakeven-bench-") as tmp:
        results, queries = generate(Path(tmp), args.functions, args.points)
        options = ImportOptions(format="cloudwatch-json", queries=queries, account="1", region="us-east-1")
        rows = args.functions * len(STATS) * args.points
        floor = min(_cpu(lambda: json.loads(results.read_bytes())) for _ in range(args.repeat))
        ours = min(_cpu(lambda: prepare(InputFile.from_path(results), options)) for _ in range(args.repeat))
        size_mb = results.stat().st_size / 1e6
    print(f"{rows:,} points ({size_mb:,.0f} MB of JSON)")
    print(f"  json.loads (floor)   CPU {floor:6.2f} s")
    print(f"  breakeven prepare    CPU {ours:6.2f} s  {ours / rows * 1e6:5.1f} us a point  ({ours / floor:.1f}x floor)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
