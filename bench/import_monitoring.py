"""Benchmark: import a generated Cloud Monitoring ``timeSeries.list`` JSON file, against the floor of only decoding
the same JSON.

The file holds Cloud Run services, each with the series of ``data/samples/monitoring-cloud-run.json`` (request
counts 2xx and 5xx, request latencies as distributions, instance counts active and idle as gauges, billable
instance time, start-up latencies) per minute, newest first as the API returns them. "ours" is
``importers.monitoring.parse`` (the whole read: pages, checks, slots, canonical rows), the floor ``json.loads`` of
the same bytes: a Python reader of this format cannot do less. CPU seconds of this process; best of ``--repeat``.
Usage: ``python bench/import_monitoring.py [--services N] [--points P] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "monitoring-cloud-run.json"


def generate(path: Path, services: int, points: int) -> int:
    """``services`` x the sample's 7 series x ``points`` minutes; returns the number of points."""
    templates = json.loads(SAMPLE.read_text())["timeSeries"]
    start = datetime(2025, 5, 1)
    ends = [(start + timedelta(minutes=i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(points)][::-1]
    starts = [(start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(points)][::-1]
    series = []
    for s in range(services):
        for template in templates:
            one = copy.deepcopy(template)
            one["resource"]["labels"]["service_name"] = f"svc-{s}"
            first = template["points"][0]
            gauge = template.get("metricKind") == "GAUGE"
            pts = []
            for i in range(points):
                value = copy.deepcopy(first["value"])
                if "int64Value" in value:
                    value["int64Value"] = str((i * 7 + s) % 100)
                elif "doubleValue" in value:
                    value["doubleValue"] = float((i * 3 + s) % 50) + 0.5
                interval = {"endTime": ends[i]} if gauge else {"endTime": ends[i], "startTime": starts[i]}
                pts.append({"interval": interval, "value": value})
            one["points"] = pts
            series.append(one)
    path.write_text(json.dumps({"timeSeries": series}))
    return services * len(templates) * points


def _cpu(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--points", type=int, default=1440, help="minutes per series (1,440: one day)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from importers import ImportOptions, InputFile
    from importers.monitoring import parse

    with tempfile.TemporaryDirectory(prefix="breakeven-bench-") as tmp:
        path = Path(tmp) / "monitoring.json"
        points = generate(path, args.services, args.points)
        file = InputFile.from_path(path)
        text = path.read_text()
        print(f"{points:,} points, {path.stat().st_size / 1e6:,.0f} MB")
        floor = min(_cpu(lambda: json.loads(text)) for _ in range(args.repeat))
        ours = min(_cpu(lambda: parse(file, text, ImportOptions())) for _ in range(args.repeat))
    print(f"  json.loads        CPU {floor:6.2f} s  {floor / points * 1e6:5.2f} us a point")
    print(
        f"  monitoring.parse  CPU {ours:6.2f} s  {ours / points * 1e6:5.2f} us a point  ({ours / floor:.1f}x the floor)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
