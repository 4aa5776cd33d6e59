"""The process's estate runner: one run per key shared by its askers, progress readable from any thread, a
failure kept and said in words, one run at a time in the order asked, finished runs bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from analysis.estate_runs import EstateRunner, Progress


def gated(calls: list[str], gate: threading.Event, name: str, value: Any = None) -> Callable[[Progress], Any]:
    def work(progress: Progress) -> Any:
        calls.append(name)
        progress(0, 4)
        progress(1, 4)
        assert gate.wait(5)
        progress(4, 4)
        return value if value is not None else name

    return work


def test_two_askers_of_one_key_share_one_run_and_see_its_progress() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    got: list[Any] = []
    askers = [
        threading.Thread(target=lambda: got.append(runner.result("k", gated(calls, gate, "k", value=[1, 2]))))
        for _ in range(2)
    ]
    for asker in askers:
        asker.start()
    while not calls:  # an asker's run has begun
        threading.Event().wait(0.01)
    run = runner.start("k", gated(calls, gate, "never"))  # a third asker joins it
    while runner.status(run).done < 1:  # the run is under way in the background thread
        threading.Event().wait(0.01)
    seen = runner.status(run)  # read from this thread, not the worker's nor an asker's
    assert (seen.state, seen.done, seen.total) == ("running", 1, 4)
    assert seen.left_s is not None and seen.left_s >= 0
    gate.set()
    for asker in askers:
        asker.join(5)
    assert calls == ["k"]
    assert got == [[1, 2], [1, 2]] and got[0] is got[1]  # the same object: one computation
    assert runner.status(run).state == "done" and runner.finished("k") is run


def test_a_failure_is_kept_and_said_in_words(caplog: pytest.LogCaptureFixture) -> None:
    runner = EstateRunner()

    def broken(progress: Progress) -> Any:
        raise ValueError("the price sheet for lambda is missing\nsecond line")

    run = runner.start("bad", broken)
    assert run.over.wait(5)
    status = runner.status(run)
    assert status.state == "failed" and status.error == "the price sheet for lambda is missing"
    assert runner.start("bad", lambda progress: "again") is run  # kept: the page says it, not retried silently
    assert "the estate's replay failed" in caplog.text and "Traceback" in caplog.text  # details in the log
    assert runner.result("bad", lambda progress: "again", timeout=5) == "again"  # a blocking asker retries


def test_a_second_key_waits_for_the_first_in_order() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    first = runner.start("a", gated(calls, gate, "a"))
    second = runner.start("b", gated(calls, gate, "b"))
    third = runner.start("c", gated(calls, gate, "c"))
    while runner.status(first).state != "running":
        threading.Event().wait(0.01)
    assert runner.status(second).state == "waiting" and runner.status(second).ahead == 1
    assert runner.status(third).ahead == 2
    assert calls == ["a"]  # one at a time: b has not begun while a runs
    gate.set()
    assert third.over.wait(5)
    assert calls == ["a", "b", "c"] and [r.result for r in (first, second, third)] == ["a", "b", "c"]


def test_finished_runs_are_bounded_the_oldest_dropped() -> None:
    runner = EstateRunner(kept=2)
    for key in ("a", "b", "c"):
        assert runner.start(key, lambda progress, key=key: key.upper()).over.wait(5)
    assert runner.finished("a") is None
    assert [runner.finished(k).result for k in ("b", "c")] == ["B", "C"]
    calls: list[str] = []
    again = runner.start("a", lambda progress: calls.append("a") or "A2")  # dropped, so computed again
    assert again.over.wait(5) and again.result == "A2" and calls == ["a"]
