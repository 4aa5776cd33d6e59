"""Progress on a terminal, plain log lines under cron: the one status line every command draws.

On a TTY a long command shows one status line that it rewrites in place (``run``: which scope, which
batch; ``import``: a bar and what it is reading), and log lines print above it. When stderr is not a
terminal (cron, systemd, a pipe) there is no status line, only timestamped log lines, so a mail from cron
reads top to bottom.
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from typing import TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


BAR_WIDTH = 30


class StatusLine:
    """A single rewritable line on a terminal; thread-safe because sources fetch in parallel."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._shown = ""

    def show(self, message: str) -> None:
        width = max(20, shutil.get_terminal_size((100, 20)).columns - 1)
        text = message if len(message) <= width else message[: width - 1] + "…"
        with self._lock:
            if text == self._shown:
                return  # unchanged: a terminal redrawn thousands of times a second only flickers
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self._shown = text

    def progress(self, fraction: float | None, label: str) -> None:
        """A ``common.progress.ProgressFn``: a bar when the share done is known, else just the label."""
        if fraction is None:
            self.show(label)
            return
        filled = int(BAR_WIDTH * max(0.0, min(fraction, 1.0)))
        self.show(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction * 100:5.1f}% {label}")

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._shown = ""


class _AboveStatusHandler(logging.StreamHandler):
    """Clears the status line before a log record so the two never interleave."""

    def __init__(self, stream: TextIO, status: StatusLine) -> None:
        super().__init__(stream)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        self.status.clear()
        super().emit(record)


def status_line(stream: TextIO | None = None) -> StatusLine | None:
    """A status line on ``stream`` (stderr) when it is a terminal, else None: nothing to rewrite."""
    stream = stream or sys.stderr
    return StatusLine(stream) if stream.isatty() else None


def setup_logging(verbose: bool = False, quiet: bool = False, stream: TextIO | None = None) -> StatusLine | None:
    """Configure the ``collectors`` logger; returns the status line when ``stream`` is a terminal."""
    stream = stream or sys.stderr
    logger = logging.getLogger("collectors")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    status = status_line(stream)
    handler: logging.Handler = _AboveStatusHandler(stream, status) if status else logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    logger.addHandler(handler)
    return status
