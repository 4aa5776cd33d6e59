"""The server's log: our records at INFO reach stderr once, however often the app script configures it, and
other libraries' records are left as they were."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT

SCRIPT = """
import logging
from common.server_log import configure_server_log
first = configure_server_log()
assert configure_server_log() is first  # every session's run of app.py: the same one handler
logging.getLogger("analysis.estate_runs").info("the estate's replay was given up")
logging.getLogger("breakeven.views").warning("shown to a visitor in words")
logging.getLogger("analysis").debug("below the level")
logging.getLogger("somebody.else").info("not ours")
"""


def test_our_info_records_reach_stderr_once_and_others_are_left_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    lines = done.stderr.splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "INFO analysis.estate_runs: the estate's replay was given up",
        "WARNING breakeven.views: shown to a visitor in words",
    ]
    assert done.stdout == ""
