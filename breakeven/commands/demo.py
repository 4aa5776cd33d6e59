"""``python -m breakeven demo``: write (or remove) the built-in demo estate."""

from __future__ import annotations

import argparse
import json
import time

from breakeven.commands.summary_flag import add_flag, refresh_after_write
from common.settings import resolve_db_path
from demo import DEMO_SEED


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "demo",
        parents=[parent],
        help="write the demo estate (24 resources, 90 days hourly + 7 days per minute)",
        description=(
            "Write the deterministic demo estate into the database, replacing any earlier demo rows. "
            "Real data in the same database is left untouched. --remove takes the demo out again."
        ),
    )
    p.add_argument("--seed", type=int, default=DEMO_SEED, help=f"random seed (default {DEMO_SEED})")
    p.add_argument("--remove", action="store_true", help="remove the demo estate instead of writing it")
    add_flag(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from demo import remove_demo, write_demo

    path = resolve_db_path(args.db)
    started = time.monotonic()
    summary = remove_demo(path) if args.remove else write_demo(path, seed=args.seed)
    report = {"db": str(path), "action": "removed" if args.remove else "written", **summary.as_dict()}
    report["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(report))
    refresh_after_write(args, path)
    return 0
