"""The one progress-callback type: long work (an import, a collector run, the demo) reports through it.

``fraction`` is the share done (0-1) when the work can tell, ``None`` when it can only say what it is doing.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float | None, str], None]


def no_progress(_fraction: float | None, _message: str) -> None:
    """The default: report nothing."""
