from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.app.conftest import count_of, metrics_of, open_app, shown


def test_overview_renders_on_demo_data(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(demo_db, monkeypatch)
    assert not at.exception
    assert not at.error
    assert any("demo data" in info.value for info in at.info)
    shown = metrics_of(at)
    assert shown["Resources"] == "24"
    assert count_of(shown["Requests in window"]) > 1_000_000
    # rates through charts.format.percent: two decimals, a space before the sign
    assert re.fullmatch(r"\d+\.\d\d %", shown["Error rate"]) and re.fullmatch(r"\d+\.\d\d %", shown["Cold-start rate"])
    assert (
        len(at.get("plotly_chart")) == 6
    )  # spend by group, inventory, traffic by service and by resource, latency, cold starts
    assert at.query_params["start"] and at.query_params["end"]  # the view is shareable by URL


def test_filters_from_the_url_change_what_is_shown(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = metrics_of(open_app(demo_db, monkeypatch))
    run_only = open_app(demo_db, monkeypatch, query={"service": "cloud-run", "start": "2026-11-20"})
    narrowed = metrics_of(run_only)
    assert narrowed["Resources"] == "3"
    assert count_of(narrowed["Requests in window"]) < count_of(everything["Requests in window"])
    assert next(w for w in run_only.sidebar.multiselect if w.key == "f_service").value == ["cloud-run"]
    assert run_only.query_params["service"] == "cloud-run"
    assert run_only.query_params["start"] == "2026-11-20"


def test_sidebar_widgets_filter_every_page_and_land_in_the_url(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    at = open_app(demo_db, monkeypatch)
    everything = metrics_of(at)
    next(w for w in at.sidebar.multiselect if w.key == "f_service").select("lambda").run()
    lambdas = metrics_of(at)
    assert lambdas["Resources"] == "9"
    assert at.query_params["service"] == "lambda"
    at.sidebar.date_input(key="f_dates").set_value((date(2026, 11, 20), date(2026, 11, 28))).run()
    week = metrics_of(at)
    assert at.query_params["start"] == "2026-11-20"
    as_int = lambda shown: count_of(shown["Requests in window"])  # noqa: E731
    assert as_int(week) < as_int(lambdas) < as_int(everything)
    at.switch_page("views/costs.py").run()  # the same filters apply on the next page
    assert not at.exception
    assert metrics_of(at)["Resources to review"].endswith("of 9")


def test_unknown_url_values_are_ignored_not_fatal(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(demo_db, monkeypatch, query={"service": "ec2,lambda", "start": "not-a-date", "region": "mars-1"})
    assert not at.exception
    assert metrics_of(at)["Resources"] == "9"


def test_filters_matching_nothing_show_a_helpful_empty_state(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(demo_db, monkeypatch, query={"provider": "aws", "service": "cloud-run"})
    assert not at.exception
    assert any("No resources match these filters" in w.value for w in at.warning)


def test_overview_on_an_empty_database(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(empty_db, monkeypatch)
    assert not at.exception
    assert not any("demo data" in info.value for info in at.info)
    said = " ".join(w.value for w in at.warning)
    assert "holds no data yet" in said and "run a collector" in said and "python -m breakeven demo" in said
    assert "widen" not in said.lower()  # nothing a filter could change


def test_first_start_with_no_database_at_a_custom_path_creates_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.duckdb"
    at = open_app(path, monkeypatch)
    assert not at.exception
    assert path.exists()


def test_first_start_at_the_default_path_creates_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import common.settings

    default = tmp_path / "data" / "breakeven.duckdb"
    monkeypatch.setattr(common.settings, "DEFAULT_DB", default)
    monkeypatch.delenv("BREAKEVEN_DB", raising=False)
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert default.exists()
    assert any("demo data" in info.value for info in at.info)
    assert metrics_of(at)["Resources"] == "24"
    # the demo carries its bills, up to its last hour: the default window (30 days to now) is billed whole
    (spend,) = [label for label in metrics_of(at) if label.startswith("Spend")]
    assert spend.endswith("(billed)"), spend
    assert any("billed: every resource's account has a bill covering this window" in shown(c.value) for c in at.caption)
    at.switch_page("views/resource.py").run()
    assert not at.exception
    seen = metrics_of(at)
    assert [label for label in seen if label.startswith("Billed ")] and "Modelled, same days" in seen
