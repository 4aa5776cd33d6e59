"""Entry point for ``python -m pricing``."""

import sys

from pricing.cli import main

sys.exit(main())
