"""``python -m breakeven``: the one command line (see ``breakeven.cli``)."""

from breakeven.cli import main

raise SystemExit(main())
