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
    # today's cost lines (the bill's table has a source too: the bill's file) ...
    lines = next(d.value for d in at.dataframe if "source" in d.value.columns and "explained_by" not in d.value.columns)
    assert len(lines) and all(s.startswith("https://") for s in lines["source"])  # ... carry their price's source


def test_costs_page_on_an_empty_database(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty database is not a filter problem: the page says there is no data and how to get some."""
    at = open_app(empty_db, monkeypatch, page="views/costs.py")
    assert not at.exception
    said = " ".join(w.value for w in at.warning)
    assert "holds no data yet" in said and "python -m breakeven demo" in said and "Upload" in said
    assert "widen" not in said.lower()


def test_the_costs_page_shows_what_report_prints(demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The page's default window is the report's default (30 days ending at the newest data): same numbers."""
    import json

    from breakeven.cli import main
    from charts.format import money

    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_db, monkeypatch, page="views/costs.py")
    assert not at.exception
    assert main(["report", "--db", str(demo_db)]) == 0
    report = json.loads(capsys.readouterr().out)
    summary = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    by_name = {r["name"]: r for r in report["resources"]}
    assert len(summary) == len(by_name) == 24
    for _, shown in summary.iterrows():
        row = by_name[shown["name"].removesuffix(" ⚠")]
        assert shown["current_usd"] == money(row["current"]["monthly_usd"])
        assert shown["verdict"] == row["verdict"]["text"]
        best = row["best"]
        if best is None:
            assert shown["best_option"] == "—" == shown["best_usd"] == shown["saving_usd"]
        else:
            assert shown["best_option"] == best["label"]
            assert shown["best_usd"] == money(best["monthly_usd"])
            assert shown["saving_usd"] == money(best["saving_usd"], signed=True)
    totals = report["totals"]
    shown = metrics_of(at)
    assert shown["Modelled cost today"] == f"${totals['today_usd']:,.0f}/mo"
    assert shown["With the recommendations"] == f"${totals['recommended_usd']:,.0f}/mo"
    assert shown["Resources to review"] == f"{totals['to_review']} of 24"
