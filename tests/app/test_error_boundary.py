"""The error boundary: whatever a page's store, prices or code raise is one message in words, no traceback,
no server folder; and the shipped config keeps Streamlit itself from sending error details to a browser."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest

from store import StoreBusyError
from tests.app.conftest import open_app, shown
from tests.conftest import PROJECT_ROOT
from views.boundary import UNEXPECTED


def _one_plain_error(at, *, without: tuple[str, ...] = ()) -> str:
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    text = shown(error.value)
    assert "Traceback" not in text and "\n" not in text
    for hidden in without:
        assert hidden not in text
    return text


def test_the_config_sends_no_error_details_to_browsers() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_a_database_from_a_newer_breakeven_is_one_line(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect(str(demo_db))
    con.execute("INSERT INTO schema_version VALUES (999, 'from the future', now()::TIMESTAMP)")
    con.close()
    at = open_app(demo_db, monkeypatch)
    text = _one_plain_error(at, without=(str(demo_db.parent),))
    assert "written by a newer Breakeven" in text
    assert not at.metric  # the page did not run on a database it cannot read


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database\n" * 200)
    at = open_app(path, monkeypatch)
    text = _one_plain_error(at, without=(str(tmp_path),))
    assert "notes.duckdb is not a DuckDB database" in text


def test_a_store_error_inside_a_page_is_one_line(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*args, **kwargs):
        raise StoreBusyError(f"The database {demo_db} is busy: another process has held it for longer than 30 s.")

    monkeypatch.setattr("store.queries.inventory", busy)
    at = open_app(demo_db, monkeypatch)
    text = _one_plain_error(at, without=(str(demo_db.parent),))
    assert text.startswith("The database could not be used: The database demo.duckdb is busy")


def test_an_unexpected_error_is_a_short_generic_message(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("/srv/secret/internal-detail")

    monkeypatch.setattr("store.queries.inventory", broken)
    at = open_app(demo_db, monkeypatch)
    text = _one_plain_error(at, without=("secret", "KeyError"))
    assert text == UNEXPECTED


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = nan\n", "override[0].usd"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = 'zzz*'\n", "discount[0].items: must be a list"),
        ("not toml ===", "is not valid TOML"),
    ],
)
def test_an_overrides_problem_is_at_the_top_of_costs(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: str, expected: str
) -> None:
    bad = tmp_path / "my-prices.toml"
    bad.write_text(overrides)
    monkeypatch.setenv("BREAKEVEN_PRICE_OVERRIDES", str(bad))
    at = open_app(demo_db, monkeypatch, page="views/costs.py")
    text = _one_plain_error(at)
    assert expected in text and "my-prices.toml" in text and str(tmp_path) not in text
    assert not at.expander or all(not e.children for e in at.expander)  # not tucked inside an expander
    assert not at.metric  # nothing is priced from a broken price book


def test_server_folders_are_taken_out_of_messages(tmp_path: Path) -> None:
    from views.boundary import without_server_paths

    folder = tmp_path / "srv" / "data"
    message = f"No database at {folder}/mine.duckdb; the metric data of {PROJECT_ROOT}/x.csv"
    shown_text = without_server_paths(message, folder, Path("data"))
    assert shown_text == "No database at mine.duckdb; the metric data of x.csv"  # relative 'data' left alone


def test_a_bad_setting_is_one_line(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "soon")
    at = open_app(demo_db, monkeypatch)
    text = _one_plain_error(at)
    assert text.startswith("A setting cannot be used: BREAKEVEN_LOCK_WAIT_S='soon'")
