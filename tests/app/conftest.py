"""AppTest helpers: every page is rendered against a real database file chosen via BREAKEVEN_DB."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def open_app(
    db: Path, monkeypatch: pytest.MonkeyPatch, page: str | None = None, query: dict[str, str] | None = None
) -> AppTest:
    """A fresh app run against ``db``, optionally on another page and with a URL query string."""
    monkeypatch.setenv("BREAKEVEN_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def count_of(shown: str) -> float:
    """Read back a compact headline count such as '1.17 B' or '662 M'."""
    number, _, suffix = shown.partition(" ")
    return float(number.replace(",", "")) * {"": 1, "k": 1e3, "M": 1e6, "B": 1e9}[suffix]


def shown(markdown: str) -> str:
    """What a browser shows for markdown whose values went through ``charts.text.md``: the CommonMark
    backslash escapes undone (AppTest reports an element's markdown source)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.fixture(autouse=True)
def estate_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Costs page waits for the estate's run as long as a test's run may take (it shows its progress
    after ``FIRST_WAIT_S`` in a browser), so a page test sees the finished estate in one run; and each test
    has a runner of its own, as a fresh server would (``st.cache_data.clear()`` is a restart)."""
    from analysis import estate_runs
    from views import estate_tables

    monkeypatch.setattr(estate_tables, "FIRST_WAIT_S", 120.0)
    monkeypatch.setattr(estate_runs, "RUNNER", estate_runs.EstateRunner())  # no run kept from another test
