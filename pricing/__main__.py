"""``python -m pricing``: an alias of ``python -m breakeven`` showing the pricing commands.

An entry point, not a module anything imports: ``pricing`` itself imports nothing above ``common``; this
shim reaches up to ``breakeven`` only to keep the commands documented before the one CLI existed working.
"""

from breakeven.cli import main

raise SystemExit(main(prog="python -m pricing"))
