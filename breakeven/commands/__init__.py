"""One module per command or family of commands, each with ``register(subparsers, db_option)``.

A command's ``handler(args) -> int`` returns its exit code and raises for any failure; ``breakeven.cli``
turns the error into one line and its code, so no command catches errors only to print them.
"""
