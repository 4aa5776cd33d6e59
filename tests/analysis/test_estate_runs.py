"""The process's estate runner: one run per key shared by its askers, progress readable from any thread, a
failure kept and said in words, one run at a time in the order asked, finished runs bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from analysis.estate_runs import GIVEN_UP, EstateRunner, GivenUp, Progress, Work


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


def test_a_queued_run_no_session_wants_is_dropped_and_the_next_goes_on() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    first = runner.start("a", gated(calls, gate, "a"), asker="s1")
    second = runner.start("b", gated(calls, gate, "b"), asker="s1")
    third = runner.start("c", gated(calls, gate, "c"), asker="s1")
    assert runner.release("b", "s1") is True  # queued behind a: dropped at once
    assert second.over.is_set() and runner.status(second).state == "failed"
    assert "given up" in runner.status(second).error
    assert runner.status(second).error == GIVEN_UP  # the key (the server's path in it) is not in the words
    gate.set()
    assert third.over.wait(5) and first.over.wait(5)
    assert calls == ["a", "c"] and third.result == "c"
    assert runner.finished("b") is None  # not kept: asking again computes it
    again = runner.start("b", lambda progress: "B2", asker="s2")
    assert again is not second and again.over.wait(5) and again.result == "B2"


def test_a_running_run_stops_at_its_next_group_once_its_last_asker_moves_on() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    run = runner.start("a", gated(calls, gate, "a"), asker="s1")
    runner.start("a", gated(calls, gate, "never"), asker="s2")
    while runner.status(run).done < 1:
        threading.Event().wait(0.01)
    assert runner.release("a", "s1") is False  # s2 still wants it
    assert runner.release("a", "s2") is True
    assert not run.over.is_set()  # it stops at the end of a group, not in the middle of one
    gate.set()
    assert run.over.wait(5)
    assert runner.status(run).state == "failed" and run.result is None
    assert runner.finished("a") is None and runner.wait_idle(5)
    assert calls == ["a"]


def test_a_run_anyone_waits_on_unnamed_is_never_given_up() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    run = runner.start("a", gated(calls, gate, "a"), asker="s1")
    assert runner.start("a", gated(calls, gate, "never")) is run  # a blocking page, a command: no name
    assert runner.release("a", "s1") is False
    assert runner.release("a", "nobody") is False  # a name that never asked changes nothing
    gate.set()
    assert run.over.wait(5) and run.result == "a" and runner.finished("a") is run


def test_an_asker_back_before_the_stop_keeps_the_run_or_it_goes_on_from_its_checkpoint() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    run = runner.start("a", gated(calls, gate, "a"), asker="s1")
    while runner.status(run).done < 1:
        threading.Event().wait(0.01)
    runner.release("a", "s1")
    assert runner.start("a", gated(calls, gate, "never"), asker="s1") is run  # back before the group ended
    gate.set()
    assert run.over.wait(5) and run.result == "a" and calls == ["a"]

    back, seen, given = threading.Event(), [], []

    def comes_back(progress: Progress) -> Any:
        seen.append((progress.checkpoint.groups, id(progress.checkpoint)))
        progress(progress.checkpoint.done, 4)
        if not progress.checkpoint.groups:
            assert back.wait(5)
        progress.checkpoint.groups, progress.checkpoint.done = 1, 2  # a group's end: its rows in, then told
        try:
            progress(2, 4)
        except GivenUp:  # stopping, and in that instant its session asks for it again
            given.append(runner.start("b", lambda p: "never", asker="s1"))
            raise
        progress(4, 4)
        return "b"

    other = runner.start("b", comes_back, asker="s1")
    while not seen:
        threading.Event().wait(0.01)
    assert runner.release("b", "s1") is True
    back.set()
    assert other.over.wait(5) and other.result == "b" and given == [other]
    assert [groups for groups, _ in seen] == [0, 1] and seen[0][1] == seen[1][1]  # again, from its own checkpoint
    assert runner.finished("b") is other and other.checkpoint is None and runner.checkpoint("b") is None


def grouped(calls: list[tuple[str, int]], name: str, release: Callable[[], object] | None = None) -> Work:
    """Work of four groups of one resource that fills the run's checkpoint as ``assess_in_groups`` does (a
    group's end in the checkpoint before progress is told), going on from the groups it already holds;
    ``release`` is called after its second group, as its session moving on would be."""

    def work(progress: Progress) -> Any:
        at = progress.checkpoint
        progress(at.done, 4)
        while at.groups < 4:
            calls.append((name, at.groups + 1))
            at.rows.append(f"{name} row {at.groups + 1}")
            at.groups, at.done = at.groups + 1, at.done + 1
            if at.groups == 2 and release is not None:
                release()
            progress(at.done, 4)
        return list(at.rows)

    return work


def test_a_given_up_runs_groups_are_kept_and_the_same_key_asked_again_goes_on_from_them() -> None:
    """A → B → A: A's run given up after its second group keeps its checkpoint; the next run of A starts from
    it (groups 3 and 4 only), estimates its time left from its own groups, and drops the checkpoint when done."""
    runner, calls = EstateRunner(), []
    first = runner.start("a", grouped(calls, "a", lambda: runner.release("a", "s1")), asker="s1")
    assert first.over.wait(5) and runner.status(first).error == GIVEN_UP
    kept = runner.checkpoint("a")
    assert kept is not None and kept.groups == 2 and runner.finished("a") is None

    gate, told = threading.Event(), []

    def held(progress: Progress) -> Any:  # the second run: held at its first word, to read its status
        told.append(progress.checkpoint)
        progress(progress.checkpoint.done, 4)
        assert gate.wait(5)
        return grouped(calls, "a again")(progress)

    again = runner.start("a", held, asker="s1")
    assert again is not first
    while not told:
        threading.Event().wait(0.01)
    assert told == [kept] and runner.checkpoint("a") is None  # the run owns it now
    while runner.status(again).total < 4:
        threading.Event().wait(0.01)
    status = runner.status(again)
    assert (status.done, status.total, status.left_s) == (2, 4, None)  # no group of its own yet: no guess
    gate.set()
    assert again.over.wait(5) and runner.status(again).state == "done"
    assert again.result == ["a row 1", "a row 2", "a again row 3", "a again row 4"]
    assert calls == [("a", 1), ("a", 2), ("a again", 3), ("a again", 4)]  # no group computed twice
    assert runner.checkpoint("a") is None and again.checkpoint is None  # finished: dropped


def test_given_up_runs_checkpoints_are_bounded_and_a_failure_drops_its_keys() -> None:
    runner, calls = EstateRunner(resumable=2), []
    for key in ("a", "b", "c"):
        run = runner.start(key, grouped(calls, key, lambda key=key: runner.release(key, "s1")), asker="s1")
        assert run.over.wait(5) and runner.status(run).error == GIVEN_UP
    assert runner.checkpoint("a") is None  # the oldest dropped
    assert [runner.checkpoint(k).groups for k in ("b", "c")] == [2, 2]

    def broken(progress: Progress) -> Any:
        assert progress.checkpoint.groups == 2
        raise ValueError("the disk went away")

    failed = runner.start("b", broken, asker="s1")
    assert failed.over.wait(5) and runner.status(failed).state == "failed"
    assert runner.checkpoint("b") is None and runner.checkpoint("c") is not None
    runner.forget("b")  # tried again: from scratch, the failed run's groups not kept
    fresh = runner.start("b", grouped(calls, "b fresh"), asker="s1")
    assert fresh.over.wait(5) and fresh.result == [f"b fresh row {i}" for i in range(1, 5)]

    def moved_on_at_once(progress: Progress) -> Any:
        progress(0, 4)
        runner.release("d", "s1")
        progress(0, 4)

    nothing = runner.start("d", moved_on_at_once, asker="s1")
    assert nothing.over.wait(5) and runner.status(nothing).error == GIVEN_UP
    assert runner.checkpoint("d") is None  # a run given up before its first group's end leaves nothing to keep


def test_a_run_whose_askers_tabs_are_closed_stops_at_its_next_group() -> None:
    runner, calls, gate = EstateRunner(), [], threading.Event()
    tabs = {"s1": True, "s2": True}
    run = runner.start("a", gated(calls, gate, "a"), asker="s1", alive=lambda: tabs["s1"])
    runner.start("a", gated(calls, gate, "never"), asker="s2", alive=lambda: tabs["s2"])
    queued = runner.start("b", gated(calls, gate, "b"), asker="s2", alive=lambda: tabs["s2"])
    kept = runner.start("c", lambda progress: "c", asker="s3", alive=lambda: True)
    while runner.status(run).done < 1:
        threading.Event().wait(0.01)
    tabs["s1"] = False  # one of a's two tabs closed: a goes on for the other
    gate.set()
    assert run.over.wait(5) and run.result == "a" and runner.finished("a") is run
    assert runner.wait_idle(5)
    assert queued.result == "b" and kept.result == "c"

    gate.clear()
    tabs["s2"] = True
    stopped = runner.start("d", gated(calls, gate, "d"), asker="s2", alive=lambda: tabs["s2"])
    behind = runner.start("e", gated(calls, gate, "e"), asker="s2", alive=lambda: tabs["s2"])
    while runner.status(stopped).done < 1:
        threading.Event().wait(0.01)
    tabs["s2"] = False  # its only tab closed, no release: the next group's end stops it, the queued one never starts
    assert not stopped.over.is_set()
    gate.set()
    assert stopped.over.wait(5) and behind.over.wait(5) and runner.wait_idle(5)
    assert runner.status(stopped).error == GIVEN_UP and runner.status(behind).error == GIVEN_UP
    assert runner.finished("d") is None and runner.finished("e") is None
    assert calls == ["a", "b", "d"]


def test_a_probe_that_fails_keeps_its_asker(caplog: pytest.LogCaptureFixture) -> None:
    runner = EstateRunner()

    def broken() -> bool:
        raise RuntimeError("the runtime is shutting down")

    run = runner.start("a", lambda progress: (progress(0, 1), progress(1, 1), "a")[-1], asker="s1", alive=broken)
    assert run.over.wait(5) and run.result == "a"
    assert "could not be checked" in caplog.text


def test_the_estates_replay_given_up_after_a_group_resumes_through_the_runner_to_the_same_tables(
    demo_db_template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages' work end to end (``stored_summary.tables_for`` handed the run's progress and checkpoint, as
    ``views.estate_tables`` hands them): given up after its first group of the demo's two days in groups of 8,
    the key asked for again reads only the two groups left and gives the tables of a run never given up."""
    from datetime import date

    from analysis import chunked, stored_summary
    from analysis.params import ModelParams
    from pricing import load_price_book
    from store import queries as q
    from store.queries import Filters
    from store.selection import selected_resources

    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "8")
    path, window, book = demo_db_template, Filters(start=date(2026, 11, 27), end=date(2026, 11, 28)), load_price_book()
    truth = stored_summary.tables_for(path, window, ModelParams(), book, persist=False)
    runner, reads, real = EstateRunner(), [], q.usage_panels
    monkeypatch.setattr(q, "usage_panels", lambda p, f: reads.append(f.resource_ids) or real(p, f))

    def work(progress: Progress) -> Any:
        def tell(done: int, total: int) -> None:
            if done == 8:  # the first group's end: its session has moved on meanwhile
                runner.release("demo", "s1")
            progress(done, total)

        return stored_summary.tables_for(
            path, window, ModelParams(), book, persist=False, progress=tell, checkpoint=progress.checkpoint
        )

    first = runner.start("demo", work, asker="s1")
    assert first.over.wait(60) and runner.status(first).error == GIVEN_UP
    listed = [who["resource_id"] for who in selected_resources(path, window)]
    in_groups = [tuple(listed[i] for i in m) for m in chunked.groups(selected_resources(path, window), False, 8)]
    assert len(in_groups) == 3 and runner.checkpoint("demo").groups == 1
    assert reads in (in_groups[:1], in_groups[:2])  # the group done (and the one read ahead, if it had begun)
    before = len(reads)
    again = runner.start("demo", work, asker="s2")
    assert again.over.wait(60) and runner.status(again).state == "done"
    assert reads[before:] == in_groups[1:]  # the second run: groups 2 and 3 only
    assert repr(again.result) == repr(truth) and runner.checkpoint("demo") is None
