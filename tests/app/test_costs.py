from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import metrics_of, open_app


def test_costs_page_on_demo_data(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(
        demo_db,
        monkeypatch,
        page="views/costs.py",
        query={"resource": "sagemaker-endpoint:111122223333:us-east-1:llm-summarize-g5"},
    )
    assert not at.exception
    shown = metrics_of(at)
    assert shown["Modelled cost today"].startswith("$")
    assert shown["Resources to review"].endswith("of 24")
    assert at.selectbox(key="cost_resource").value == "sagemaker-endpoint:111122223333:us-east-1:llm-summarize-g5"
    assert any("Not feasible" in e.value and "GPU" in e.value for e in at.error)
    lines = next(d.value for d in at.dataframe if "source" in d.value.columns)  # today's cost lines ...
    assert len(lines) and all(s.startswith("https://") for s in lines["source"])  # ... carry their price's source


def test_costs_page_on_an_empty_database(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(empty_db, monkeypatch, page="views/costs.py")
    assert not at.exception
    assert any("No resources with data" in w.value for w in at.warning)
