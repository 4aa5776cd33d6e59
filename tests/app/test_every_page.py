"""Every page in the navigation renders without an exception, on the demo estate and on an empty database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.app.conftest import open_app
from tests.conftest import PROJECT_ROOT


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


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("database", ["demo", "empty"])
def test_page_renders(
    page: str, database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    db: Path = request.getfixturevalue(f"{database}_db")
    at = open_app(db, monkeypatch, page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} drew no title"
    assert any("demo data" in i.value for i in at.info) == (database == "demo")
