"""``python -m collectors``: demo data, collector runs, status, file import and export."""

from collectors.cli import main

raise SystemExit(main())
