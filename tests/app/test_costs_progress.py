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
    real, gate, calls = stored_summary.tables_for, threading.Event(), []

    def held(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        calls.append(args[2])
        progress(0, 24)
        progress(10, 24)
        assert gate.wait(60)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(stored_summary, "tables_for", held)
    monkeypatch.setattr(estate_tables, "FIRST_WAIT_S", 0.0)
    at.number_input(key="m_keep").set_value(900.0).run()  # a new key: the estate is replayed again
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
