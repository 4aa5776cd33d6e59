"""The Costs page after an assumption changes: the resource in view is drawn while the estate's run is still
going (its progress in words), and the estate's table once the run has finished; the run is the process's
one run of the key (``analysis.estate_runs``), so the page's own rerun joins it rather than replaying."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from analysis import estate_runs, stored_summary
from tests.app.conftest import metrics_of, open_app, shown

ENDPOINT = "sagemaker-endpoint:111122223333:us-east-1:llm-summarize-g5"


def test_the_resource_is_drawn_while_the_estate_runs_then_the_table(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from views import estate_tables

    at = open_app(demo_db, monkeypatch, page="views/costs.py", query={"resource": ENDPOINT})
    assert not at.exception
    before = metrics_of(at)["Resources to review"]
    real, gate, calls, reached = stored_summary.tables_for, threading.Event(), [], threading.Event()

    def held(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        calls.append(args[2])
        progress(0, 24)
        progress(10, 24)
        reached.set()
        assert gate.wait(60)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(stored_summary, "tables_for", held)
    monkeypatch.setattr(estate_tables, "FIRST_WAIT_S", 0.0)
    at.number_input(key="m_keep").set_value(900.0).run()  # a new key: the estate is replayed again
    assert not at.exception, at.exception
    assert reached.wait(30)  # the background run has begun and said how far it is (its thread's own pace)
    at.run()  # the page again, as its progress fragment redraws it: the same run, joined
    assert not at.exception, at.exception
    said = " ".join(m.value for m in at.markdown)
    assert "Replaying 10 of 24 resources…" in said
    assert at.selectbox(key="cost_resource").value == ENDPOINT
    assert any("Not feasible" in e.value and "GPU" in e.value for e in at.error)  # the resource's detail
    assert "Resources to review" not in metrics_of(at)  # the estate's totals wait for its run
    assert not any("verdict" in d.value.columns for d in at.dataframe)
    gate.set()
    assert estate_runs.RUNNER.wait_idle(60)
    at.run()
    assert not at.exception, at.exception
    assert metrics_of(at)["Resources to review"] == before  # drawn once the run is done
    assert any("verdict" in d.value.columns for d in at.dataframe)
    assert len(calls) == 1 and calls[0].keep_alive_s == 900.0  # one run of the new key, the rerun joined none

    def broken(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        raise ValueError(f"the price sheet at {demo_db.parent}/prices.toml is missing")

    monkeypatch.setattr(stored_summary, "tables_for", broken)
    at.number_input(key="m_keep").set_value(1200.0).run()
    assert estate_runs.RUNNER.wait_idle(60)
    at.run()
    assert not at.exception, at.exception
    said = " ".join(shown(e.value) for e in at.error)
    assert "The estate could not be replayed: the price sheet at" in said and "prices.toml is missing" in said
    assert str(demo_db.parent) not in said and "Traceback" not in said  # words, no server folder, no trace
    assert at.selectbox(key="cost_resource").value == ENDPOINT  # the resource is still drawn


def test_an_assumption_changed_again_gives_up_the_first_replay(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session moves from keep-alive 900 s to 1,200 s while 900's replay is still running and no other
    session wants it: that replay stops at its next group and is not kept, 1,200's runs, and asking for
    900 again computes it afresh."""
    from views import estate_tables

    at = open_app(demo_db, monkeypatch, page="views/costs.py", query={"resource": ENDPOINT})
    assert not at.exception
    real, gate, calls, begun = stored_summary.tables_for, threading.Event(), [], threading.Event()

    def held(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        calls.append(args[2].keep_alive_s)
        progress(0, 24)
        if len(calls) == 1:  # the first replay of 900 s: held until the page has moved on
            begun.set()
            assert gate.wait(60)
            progress(1, 24)  # a group's end: where a replay no one wants stops
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(stored_summary, "tables_for", held)
    monkeypatch.setattr(estate_tables, "FIRST_WAIT_S", 0.0)
    at.number_input(key="m_keep").set_value(900.0).run()
    assert not at.exception, at.exception
    assert begun.wait(30)  # 900's replay is running (a queued one would simply be dropped)
    at.number_input(key="m_keep").set_value(1200.0).run()
    assert not at.exception, at.exception
    said = " ".join(shown(m.value) for m in at.markdown)
    assert "Waiting for another replay of the estate to finish (1 ahead of this one)" in said
    gate.set()
    assert estate_runs.RUNNER.wait_idle(60)
    at.run()
    assert not at.exception, at.exception
    assert "Resources to review" in metrics_of(at) and calls == [900.0, 1200.0]
    assert not any("could not be replayed" in e.value for e in at.error)  # the given-up replay is no failure
    at.number_input(key="m_keep").set_value(900.0).run()
    assert estate_runs.RUNNER.wait_idle(60)
    at.run()
    assert not at.exception, at.exception
    assert calls == [900.0, 1200.0, 900.0]  # not kept: computed afresh
    assert "Resources to review" in metrics_of(at)


@pytest.mark.parametrize(
    ("state", "done", "total", "left_s", "ahead", "words"),
    [
        ("waiting", 0, 0, None, 0, "Starting the replay of the estate…"),  # queued, the worker about to take it
        ("waiting", 0, 0, None, 2, "Waiting for another replay of the estate to finish (2 ahead of this one)…"),
        ("running", 0, 0, None, 0, "Listing the resources to replay…"),
        ("running", 250, 5000, None, 0, "Replaying 250 of 5,000 resources… estimating the time left"),
        ("running", 250, 5000, 0.2, 0, "Replaying 250 of 5,000 resources… about 1 s left"),
        ("running", 2500, 5000, 119.4, 0, "Replaying 2,500 of 5,000 resources… about 119 s left"),
        ("running", 250, 5000, 1290.0, 0, "Replaying 250 of 5,000 resources… about 22 min left"),
    ],
)
def test_the_runs_progress_in_words(state: str, done: int, total: int, left_s: Any, ahead: int, words: str) -> None:
    from analysis.estate_runs import Status
    from views.estate_tables import progress_words

    assert progress_words(Status(state, done, total, 1.0, left_s, ahead, None)) == words
