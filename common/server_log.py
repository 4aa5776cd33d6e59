"""The dashboard server's log: Breakeven's own loggers written to the server's stderr beside Streamlit's.

Streamlit configures its own loggers only (``streamlit.*``); without a handler of ours, Python prints a
library's records of WARNING and above through its last-resort handler and drops the rest, so the server's
log never said when a summary was stored, a checkpoint dropped or a replay given up for a closed tab. The
collectors' command line has its own handler (``breakeven.terminal``); this one is the server's, attached
once per process however many sessions run the app script. The records at INFO are ours and carry no
credential; a file is named by its name, not its path.
"""

from __future__ import annotations

import logging
import sys
import threading

# the packages whose records the server's log shows (every logger of ours is named after its module)
PACKAGES = (
    "analysis",
    "breakeven",
    "charts",
    "collectors",
    "common",
    "demo",
    "importers",
    "pricing",
    "replay",
    "store",
    "views",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_lock = threading.Lock()
_handler: logging.Handler | None = None


def configure_server_log(level: int = logging.INFO) -> logging.Handler:
    """Attach one stderr handler to each of our packages' loggers at ``level``, once per process; returns it.
    Records still propagate to the root logger (a test's ``caplog`` sees them)."""
    global _handler
    with _lock:
        if _handler is None:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter(FORMAT))
            for name in PACKAGES:
                logger = logging.getLogger(name)
                logger.addHandler(handler)
                if logger.level == logging.NOTSET or logger.level > level:
                    logger.setLevel(level)
            _handler = handler
        return _handler
