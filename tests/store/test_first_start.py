"""First start: many sessions and processes meet a missing database; one builds it, all open the same file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from demo import write_demo
from store import StoreError
from store.db import is_current
from store.first_start import BUILDING_MARK, init_lock_path, prepare_database
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _all_at_once(path: Path, demo: bool, sessions: int) -> tuple[list[bool], list[BaseException]]:
    barrier = threading.Barrier(sessions)
    built: list[bool] = []
    errors: list[BaseException] = []

    def session() -> None:
        barrier.wait()
        try:
            built.append(prepare_database(path, build=write_demo if demo else None))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return built, errors


def _leftovers(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}{BUILDING_MARK}*"))


def _content(path: Path) -> tuple[int, int, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        resources = con.execute("SELECT count(*) FROM resources").fetchone()[0]
        metrics = con.execute("SELECT count(*) FROM metrics").fetchone()[0]
        kinds = [r[0] for r in con.execute("SELECT kind FROM runs ORDER BY started_at").fetchall()]
        return resources, metrics, kinds
    finally:
        con.close()


def test_four_sessions_on_a_first_start_build_the_demo_once(tmp_path: Path) -> None:
    path = tmp_path / "breakeven.duckdb"
    built, errors = _all_at_once(path, demo=True, sessions=4)
    assert errors == []
    assert sorted(built) == [False, False, False, True]
    resources, metrics, kinds = _content(path)
    assert resources == 24 and metrics > 0
    assert kinds == ["demo"]  # written once, not once per session
    con = duckdb.connect(str(path), read_only=True)
    try:  # its bills are part of the same build: three imports (one per format), once
        bills = con.execute("SELECT file_name FROM uploads ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [b[0].split("-")[1] for b in bills] == ["cur2", "focus", "gcp"]
    assert _leftovers(path) == [] and not init_lock_path(path).exists()
    assert not Path(f"{path}.wal").exists()


def test_four_sessions_on_an_empty_first_start_build_it_once(tmp_path: Path) -> None:
    path = tmp_path / "mine.duckdb"
    built, errors = _all_at_once(path, demo=False, sessions=4)
    assert errors == []
    assert sorted(built) == [False, False, False, True]
    assert is_current(path)
    assert _content(path) == (0, 0, [])


def _spawn_prepare(path: Path, demo: bool) -> subprocess.Popen:
    code = (
        "import sys; from pathlib import Path; from store.first_start import prepare_database; "
        "from demo import write_demo; "
        f"print(prepare_database(Path(sys.argv[1]), build=write_demo if {demo} else None))"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path)], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def test_processes_and_threads_together_build_once(tmp_path: Path) -> None:
    path = tmp_path / "breakeven.duckdb"
    procs = [_spawn_prepare(path, demo=True) for _ in range(3)]
    built, errors = _all_at_once(path, demo=True, sessions=2)
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert errors == []
    assert sorted([*outputs, *map(str, built)]).count("True") == 1
    assert _content(path)[2] == ["demo"]


def test_a_first_start_killed_mid_build_leaves_no_database_and_the_next_one_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "breakeven.duckdb"
    proc = _spawn_prepare(path, demo=True)
    deadline = time.monotonic() + 120
    while not _leftovers(path):  # the builder has started writing its temporary file
        assert proc.poll() is None, "the builder finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not path.exists()  # never a half database at the real path
    assert _leftovers(path)
    assert prepare_database(path) is True
    assert _leftovers(path) == []
    assert is_current(path)


def test_a_lock_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "breakeven.duckdb"
    init_lock_path(path).mkdir()
    with pytest.raises(StoreError) as caught:
        prepare_database(path)
    assert "first-start lock" in str(caught.value) and "\n" not in str(caught.value)
    assert not path.exists()
