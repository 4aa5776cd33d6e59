"""Every page in the navigation renders without an exception: on the demo estate, on an empty database, and on a
database an older Breakeven let rows dated 9999, 2300 and year 0 into (they used to break every page)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.app.conftest import open_app
from tests.conftest import DEMO_END, PROJECT_ROOT


def _pages() -> list[str]:
    tree = ast.parse((PROJECT_ROOT / "app.py").read_text("utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"
    ]


PAGES = _pages()


def test_the_navigation_lists_the_pages() -> None:
    assert {"views/overview.py", "views/costs.py", "views/sources.py", "views/upload.py"} <= set(PAGES)


@pytest.fixture
def odd_dates_db(demo_db: Path) -> Path:
    """The demo estate plus rows no write accepts today, put there behind the store's back."""
    fn = "lambda:111122223333:us-east-1:fraud-score"
    con = duckdb.connect(str(demo_db))
    try:
        con.execute(
            """
            INSERT INTO metrics VALUES (?, 'invocations', TIMESTAMP '9999-12-31 00:00:00', 3600, 5, 'old'),
                                       (?, 'invocations', TIMESTAMP '2300-01-01 00:00:00', 3600, 5, 'old'),
                                       (?, 'invocations', TIMESTAMP '0000-01-01 00:00:00', 3600, 5, 'old')
            """,
            [fn, fn, fn],
        )
        con.execute(
            "INSERT INTO resource_config (resource_id, valid_from, memory_mb, source) "
            "VALUES (?, TIMESTAMP '0000-06-01 00:00:00', 128, 'old')",
            [fn],
        )
        con.execute("UPDATE resources SET last_seen = TIMESTAMP '9999-12-31 00:00:00' WHERE resource_id = ?", [fn])
    finally:
        con.close()
    return demo_db


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("database", ["demo", "empty", "odd_dates"])
def test_page_renders(
    page: str, database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    db: Path = request.getfixturevalue(f"{database}_db")
    at = open_app(db, monkeypatch, page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} drew no title"
    assert any("demo data" in i.value for i in at.info) == (database != "empty")


def test_rows_outside_the_span_do_not_move_the_default_window(
    odd_dates_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(odd_dates_db, monkeypatch)
    assert not at.exception
    start, end = at.date_input(key="f_dates").value
    # the last day with real data (the demo ends at midnight), not the year 2300 or 9999
    assert end == (DEMO_END - timedelta(microseconds=1)).date() and start < end
