"""The collectors' command line. Each sub-command lives in its own module and registers itself here.

Every command takes ``--db PATH`` (else ``BREAKEVEN_DB``, else ``data/breakeven.duckdb``), prints one
line on failure instead of a traceback, and exits with a documented code (``collectors.errors``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from collectors.errors import EXIT_STORE, EXIT_USAGE, CliError
from store import StoreBusyError, StoreError, StoreMissingError

# Modules exposing ``register(subparsers, parent)``; each adds one sub-command with a ``handler``.
COMMAND_MODULES: tuple[str, ...] = (
    "collectors.demo_command",
    "collectors.run_command",
    "collectors.status_command",
    "collectors.import_command",
    "collectors.export_command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m collectors",
        description="Breakeven collectors: load serving metrics into the Breakeven database.",
    )
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", metavar="PATH", help="database file (default: $BREAKEVEN_DB, else data/breakeven.duckdb)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except StoreMissingError as exc:  # a wrong --db / BREAKEVEN_DB is a usage error, not a busy store
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        print("error: interrupted; nothing from the unfinished step was written", file=sys.stderr)
        return 130
