"""The one Breakeven command line: ``python -m breakeven COMMAND`` (console script ``breakeven``).

Each command lives in a module of ``breakeven.commands`` that registers it here, and every command gets
the same shell: ``--help``; a wrong argument is one line and exit 2; an error it lets escape becomes one
``error:`` line on stderr and its code from ``breakeven.exits``; a reader that goes away (``| head``)
ends the command quietly instead of with a ``BrokenPipeError`` traceback; Ctrl-C is one line too.

argparse, not click or typer: the commands were already argparse sub-commands that register themselves,
and what a library would add (help, sub-commands, types) argparse has; what we need on top (one-line
errors, one exit-code mapping, closed pipes) is a few lines either way, and this way no dependency is
added. ``python -m collectors`` and ``python -m pricing`` are aliases that show only their own commands.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from breakeven.exits import (
    EXIT_CLOSED_PIPE,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    EXIT_SOFTWARE,
    EXIT_USAGE,
    exit_code_for,
)

# Modules exposing ``register(subparsers, db_option)``; each adds one or more sub-commands whose
# ``handler(args) -> int`` runs them. A new command (``report``) is one module added here.
COMMAND_MODULES: tuple[str, ...] = (
    "breakeven.commands.demo",
    "breakeven.commands.import_files",
    "breakeven.commands.export",
    "breakeven.commands.run",
    "breakeven.commands.status",
    "breakeven.commands.pricing",
    "breakeven.commands.report",
)
PROG = "python -m breakeven"
# The older entry points, kept so documented commands keep working: prog -> the commands it shows.
ALIASES: dict[str, tuple[str, ...]] = {
    "python -m collectors": ("demo", "run", "status", "import", "export"),
    "python -m pricing": ("estimate", "compare", "prices", "refresh"),
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a wrong argument is one line (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def _epilog() -> str:
    return "exit codes (the same for every command):\n" + "\n".join(
        f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items()
    )


def build_parser(prog: str = PROG, only: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every command (or, for an alias, only the commands in ``only``)."""
    parser = OneLineParser(
        prog=prog,
        description="Breakeven: is each ML model on the right serving pattern? Collect or import serving "
        "metrics into the Breakeven database, and price them against the alternatives.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--traceback", action="store_true", help="on an unexpected error (a bug), print its traceback too"
    )
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument(
        "--db",
        metavar="PATH",
        help="database file (else $BREAKEVEN_DB, else the db key of a collectors TOML, else data/breakeven.duckdb)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands, db_option)
    if only is not None:
        for name in [n for n in commands.choices if n not in only]:
            del commands.choices[name]
        commands._choices_actions = [a for a in commands._choices_actions if a.dest in only]
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).splitlines()) or type(exc).__name__


def _quiet_closed_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the interpreter's last flush cannot fail too."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to protect
        pass
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run one command and return its exit code; never raises for a documented failure."""
    args: argparse.Namespace | None = None
    try:
        try:
            args = build_parser(prog, ALIASES.get(prog)).parse_args(argv)
        except SystemExit as exc:  # --help, or a wrong argument (already reported in one line)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        code = int(args.handler(args))
        sys.stdout.flush()  # inside the guard: a closed pipe surfaces here, not at interpreter exit
        return code
    except BrokenPipeError:
        _quiet_closed_stdout()
        return EXIT_CLOSED_PIPE
    except KeyboardInterrupt:
        print("error: interrupted; nothing from the unfinished step was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        code = exit_code_for(exc)
        if code is None:
            if args is not None and args.traceback:
                traceback.print_exc()
            hint = "" if args is not None and args.traceback else f" (run with {prog} --traceback … to see where)"
            print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)}; this is a bug{hint}", file=sys.stderr)
            return EXIT_SOFTWARE
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return code


def console() -> int:
    """The ``breakeven`` console script."""
    return main(prog="breakeven")
