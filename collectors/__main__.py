"""``python -m collectors``: an alias of ``python -m breakeven`` showing the collector and data commands.

An entry point, not a module anything imports: it reaches up to ``breakeven`` only to keep the commands
documented before the one CLI existed working.
"""

from breakeven.cli import main

raise SystemExit(main(prog="python -m collectors"))
