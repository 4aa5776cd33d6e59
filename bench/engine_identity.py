"""Equality harness for engine work: an exact dump of the estate's run and of three resources' details, to
compare before and after a change that must not move any number.

For the demo (written once into ``data/bench/identity-demo.duckdb``, git-ignored) under five sets of
assumptions (the defaults; traffic ×2; a memory and architecture change; a discount with provisioned
concurrency; other replay assumptions with free tiers on), and for a bench estate of 500 resources under the
defaults (two groups of 250, so the grouped path is in it), it writes ``repr`` of ``assess_tables``'
estate, cold-start table and idle table, and of ``assess_resource`` for three resources (a bursty
function with per-minute data, an endpoint, a Cloud Run service), with numpy printing every float's
shortest exact form and every element. Each section's SHA-256 is printed; ``--compare`` names the first
section that differs and the first differing line; ``--tolerance`` compares within a stated tolerance
instead (``bench/tolerance.py``: text and integers exactly, floats within ``--rel`` and ``--abs``, 1e-9 by
default) and prints, per section, the largest absolute and relative difference and how many floats moved.
The engine's CPU seconds per section are printed too.

Usage: ``python bench/engine_identity.py --out data/bench/identity-base.txt [--estate PATH]``, then
``python bench/engine_identity.py --out data/bench/identity-new.txt --compare data/bench/identity-base.txt``
(add ``--tolerance`` for the within-tolerance comparison; ``--only-compare`` compares two existing dumps).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.detail import assess_resource
from analysis.params import ModelParams
from analysis.tables import assess_tables
from bench.overview import default_filters
from bench.tolerance import ABS, REL, compare_text
from demo import write_demo
from pricing import PriceBook, load_price_book
from store import queries as q

ROOT = Path(__file__).resolve().parent.parent
DEMO_WINDOW = q.Filters(start=datetime(2026, 10, 30).date(), end=datetime(2026, 11, 28).date())
DETAIL_NAMES = ("text-embed-burst", "search-rerank", "run-embeddings")
PARAMS: dict[str, ModelParams] = {
    "defaults": ModelParams(),
    "traffic x2": ModelParams(traffic_scale=2.0),
    "memory 2048 arm64": ModelParams(memory_mb=2048, architecture="arm64"),
    "discount 15 pc, provisioned 4": ModelParams(discount_pct=15.0, provisioned_concurrency=4),
    "keep-alive 300, min 2, no autoscaling, free tier": ModelParams(
        keep_alive_s=300.0, min_instances=2, autoscaling=False, free_tier=True
    ),
}


def demo_path() -> Path:
    """The demo database, written once (the demo is seeded: the same bytes every time)."""
    path = ROOT / "data" / "bench" / "identity-demo.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_demo(path, end=datetime(2026, 11, 29))
    return path


def detail_ids(rows: tuple, names: tuple[str, ...]) -> list[str]:
    """The first row's id whose resource name starts with each of ``names`` (clones carry a suffix)."""
    out = []
    for name in names:
        out.append(next(r.resource_id for r in rows if r.resource_id.split(":")[-1].startswith(name)))
    return out


def sections(path: Path, filters: q.Filters, params: ModelParams, book: PriceBook, label: str) -> list[tuple]:
    """(title, text, CPU seconds) for the tables and three details of one estate under one set of params."""
    cpu = time.process_time()
    tables = assess_tables(path, filters, params, book)
    out = [(f"{label} | assess_tables", repr(tables), time.process_time() - cpu)]
    for rid in detail_ids(tables.estate.rows, DETAIL_NAMES):
        cpu = time.process_time()
        detail = assess_resource(path, rid, filters, params, book)
        out.append((f"{label} | assess_resource {rid}", repr(detail), time.process_time() - cpu))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--estate", type=Path, help="a 500-resource bench estate (read only)")
    parser.add_argument("--demo-only", action="store_true")
    parser.add_argument("--tolerance", action="store_true", help="compare within --rel / --abs, not byte for byte")
    parser.add_argument("--rel", type=float, default=REL)
    parser.add_argument("--abs", type=float, default=ABS)
    parser.add_argument("--only-compare", action="store_true", help="compare --out with --compare, run nothing")
    args = parser.parse_args()
    if args.only_compare:
        sys.exit(
            compare_within(args.compare, args.out, args.rel, args.abs)
            if args.tolerance
            else compare(args.compare, args.out)
        )
    np.set_printoptions(threshold=sys.maxsize, floatmode="unique", linewidth=200)
    book = load_price_book(use_env=False)
    done: list[tuple] = []
    demo = demo_path()
    for label, params in PARAMS.items():
        done.extend(sections(demo, DEMO_WINDOW, params, book, f"demo, {label}"))
    if args.estate and not args.demo_only:
        done.extend(sections(args.estate, default_filters(args.estate), ModelParams(), book, args.estate.stem))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for title, text, _ in done:
            out.write(f"=== {title}\n{text}\n")
    for title, text, cpu in done:
        print(f"{hashlib.sha256(text.encode()).hexdigest()[:16]}  {cpu:6.2f} s CPU  {title}")
    print(f"total CPU {sum(c for _, _, c in done):.2f} s")
    if args.compare:
        if args.tolerance:
            sys.exit(compare_within(args.compare, args.out, args.rel, args.abs))
        sys.exit(compare(args.compare, args.out))


def parse(path: Path) -> dict[str, str]:
    """Section title -> its dump."""
    parts: dict[str, str] = {}
    title = None
    for line in path.read_text().splitlines():
        if line.startswith("=== "):
            title = line[4:]
            parts[title] = ""
        elif title is not None:
            parts[title] += line + "\n"
    return parts


def compare_within(before: Path, after: Path, rel: float, abs_tol: float) -> int:
    """0 when every section present in both files agrees within the tolerance; prints each section's largest
    differences (absolute, relative, with the values there) and how many of its floats moved at all."""
    old, new = parse(before), parse(after)
    common = [t for t in old if t in new]
    failed = 0
    print(f"tolerance: text and integers exact, floats within rel {rel:g} or abs {abs_tol:g}")
    for title in common:
        d = compare_text(old[title], new[title], rel, abs_tol)
        failed += not d.within
        status = "ok  " if d.within else "FAIL"
        print(
            f"{status} {title}: {d.changed}/{d.floats} floats moved; max abs {d.max_abs:.3g} {d.max_abs_at or ''}; "
            f"max rel {d.max_rel:.3g} {d.max_rel_at or ''}"
        )
        if d.failure:
            print(f"     first failure: {d.failure}")
    print(f"{'WITHIN TOLERANCE' if not failed else 'OUTSIDE TOLERANCE'}: {len(common) - failed}/{len(common)} sections")
    return 1 if failed else 0


def compare(before: Path, after: Path) -> int:
    """0 when every section present in both files is identical; else the first difference, and 1."""
    old, new = parse(before), parse(after)
    common = [t for t in old if t in new]
    for title in common:
        if old[title] != new[title]:
            a, b = old[title], new[title]
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            lo = max(0, at - 120)
            print(f"DIFFERS: {title}\n  before: …{a[lo : at + 120]}\n  after:  …{b[lo : at + 120]}")
            return 1
    print(f"IDENTICAL: {len(common)} sections ({len(old) - len(common)} only in the baseline)")
    return 0


if __name__ == "__main__":
    main()
