"""Several people at once on the real ``streamlit run``: four tabs on a first start (the demo at the default
path, and an empty database), and an upload while three other tabs keep reloading. Zero exception boxes,
zero error messages, one consistent database."""

from __future__ import annotations

import csv
import shutil
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from analysis.estate_runs import GIVEN_UP
from tests.browser.conftest import halt, new_page, start_app, stop_app
from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = 4
PROBLEM_TEXTS = (
    "could not be used",
    "could not be replayed",
    "Something went wrong",
    "Traceback",
    "different configuration",
)
# the app and every package it may import (pyproject.toml's list; a missing one is skipped)
PROJECT_PARTS = (
    "app.py",
    "common",
    "store",
    "pricing",
    "analysis",
    "charts",
    "views",
    "collectors",
    "importers",
    "demo",
    "replay",
    "breakeven",
)


def _project_copy(target: Path) -> Path:
    """The app's code without any database, so its default path ``data/breakeven.duckdb`` is a first start."""
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.duckdb*", "*.lock")
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        else:
            shutil.copy2(source, target / part)
    (target / ".streamlit").mkdir()
    shutil.copy2(PROJECT_ROOT / ".streamlit" / "config.toml", target / ".streamlit" / "config.toml")
    return target


def _assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.locator("body").inner_text()
    for problem in PROBLEM_TEXTS:
        assert problem not in text, f"{problem!r} on the page"
    assert page.errors == []


def _wait_for(page, text: str, timeout_ms: int = 180_000) -> None:
    """Wait until ``text`` shows, or fail at once when an exception box or an error message shows first."""
    problems = [*PROBLEM_TEXTS]
    page.wait_for_function(
        "([text, problems]) => document.body.innerText.includes(text)"
        " || document.querySelector('[data-testid=\"stException\"]') !== null"
        " || problems.some(p => document.body.innerText.includes(p))",
        arg=[text, problems],
        timeout=timeout_ms,
    )
    _assert_clean(page)
    assert text in page.locator("body").inner_text()


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _open_all_at_once(chromium, url: str, count: int) -> list:
    pages = [new_page(chromium) for _ in range(count)]
    for page in pages:  # each navigation only starts here; the sessions overlap the first start
        page.goto(url, wait_until="commit")
    return pages


def _all_drawn(pages: list, text: str, condition: str) -> None:
    """Every page shows ``text`` (an error first fails at once, ``_wait_for``), then meets ``condition`` (JS)."""
    for page in pages:
        _wait_for(page, text)
        page.wait_for_function(condition, timeout=120_000)


def _metric(page, label: str) -> str | None:
    """The value of the first metric whose text includes ``label``."""
    return page.evaluate(
        "(label) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(m => m.textContent.includes(label))"
        "?.querySelector('[data-testid=\"stMetricValue\"]')?.textContent.trim()",
        label,
    )


def test_four_tabs_on_a_first_start_see_one_demo(tmp_path: Path, chromium) -> None:
    root = _project_copy(tmp_path / "breakeven")
    proc, url = start_app(None, root=root)
    try:
        pages = _open_all_at_once(chromium, url, TABS)
        _all_drawn(
            pages, "You are looking at demo data", "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4"
        )
        for page in pages:
            _assert_clean(page)
            assert _metric(page, "Resources") == "24"
    finally:
        log = stop_app(proc)
    assert "Traceback" not in log, log[-3000:]
    db = root / "data" / "breakeven.duckdb"
    assert _rows(db, "SELECT kind, count(*) FROM runs GROUP BY kind") == [("demo", 1)]  # built once
    assert _rows(db, "SELECT count(*) FROM resources") == [(24,)]
    assert sorted(p.name for p in db.parent.iterdir()) == ["breakeven.duckdb"]  # no temporary file, no lock


def test_four_tabs_on_an_empty_first_start_see_one_empty_database(tmp_path: Path, chromium) -> None:
    db = tmp_path / "mine" / "team.duckdb"
    proc, url = start_app(db, extra_env={"BREAKEVEN_NO_DEMO": "1"})
    try:
        pages = _open_all_at_once(chromium, url, TABS)
        for page in pages:
            _wait_for(page, "holds no data yet")  # an empty database says so, not "widen the date range"
        for page in pages:
            _assert_clean(page)
    finally:
        log = stop_app(proc)
    assert "Traceback" not in log, log[-3000:]
    assert _rows(db, "SELECT count(*) FROM resources") == [(0,)]
    assert sorted(p.name for p in db.parent.iterdir()) == ["team.duckdb"]


def _long_csv(path: Path, first: int, functions: int, hours: int) -> int:
    """A long CSV of ``functions`` Lambda functions over ``hours`` hours inside the demo window."""
    start = datetime(2026, 11, 1)  # the demo estate ends 2026-11-29
    rows = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp", "service", "resource", "metric", "value", "period_s", "region", "account"])
        for f in range(first, first + functions):
            for h in range(hours):
                stamp = (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
                for metric, value in (("invocations", 100 + h % 50), ("duration_ms_avg", 120.5)):
                    writer.writerow([stamp, "lambda", f"bulk-{f}", metric, value, 3600, "eu-west-1", "999988887777"])
                    rows += 1
    return rows


def test_an_upload_while_three_tabs_reload(demo_db: Path, tmp_path: Path, chromium) -> None:
    """Eight files, each its own write, while three tabs reload as fast as they can: every reload opens the
    database at least once (the start-up check), so reads and writes of one process interleave many times."""
    before = _rows(demo_db, "SELECT count(*) FROM metrics")[0][0]
    files, per_file = 8, 20  # eight writes; their size is not what the test is about
    uploads = [tmp_path / f"bulk-{i}.csv" for i in range(files)]
    rows = sum(_long_csv(path, i * per_file, per_file, 24 * 28) for i, path in enumerate(uploads))
    proc, url = start_app(demo_db)
    try:
        uploader, *readers = [new_page(chromium) for _ in range(TABS)]
        uploader.goto(f"{url}/upload", wait_until="domcontentloaded")
        uploader.wait_for_selector('[data-testid="stFileUploader"]', timeout=120_000)
        uploader.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files([str(p) for p in uploads])
        uploader.wait_for_function(
            f"document.body.innerText.split('Rows read').length - 1 === {files}", timeout=240_000
        )
        for page in readers:
            page.goto(url, wait_until="commit")
        uploader.get_by_role("button", name=f"Import {files} file(s)").click()
        reloads = 0
        while uploader.locator("text=imported:").count() < files and reloads < 600:
            for page in readers:
                page.reload(wait_until="commit")
                reloads += 1
        uploader.wait_for_function(
            f"document.body.innerText.split('imported:').length - 1 === {files}", timeout=240_000
        )
        for page in readers:
            page.reload(wait_until="domcontentloaded")
            _wait_for(page, "You are looking at demo data")
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 5", timeout=120_000
            )
        for page in [uploader, *readers]:
            _assert_clean(page)
        assert {_metric(page, "Resources") for page in readers} == {str(24 + files * per_file)}
    finally:
        log = stop_app(proc)
    assert reloads >= len(readers)
    # no reload in between hit an error either: the server logs every one (shown in words or not)
    assert "Traceback" not in log and "shown to a visitor" not in log, log[-3000:]
    assert _rows(demo_db, "SELECT count(*) FROM metrics") == [(before + rows,)]
    assert _rows(demo_db, "SELECT count(*) FROM resources WHERE name LIKE 'bulk-%'") == [(files * per_file,)]
    # every file once, beside the demo's own three bills (recorded as demo/…)
    assert _rows(demo_db, "SELECT count(*) FROM uploads WHERE NOT starts_with(file_name, 'demo/')") == [(files,)]


def test_tabs_asking_for_one_new_assumption_at_once_share_the_estates_run(demo_db: Path, chromium) -> None:
    """Three sessions open the Costs page at once on a keep-alive no one has asked for yet: the estate is not
    the stored one, so it is replayed in the process's one background run for that key
    (``analysis.estate_runs``), the later sessions joining it; every tab then draws the same estate, under
    the assumption its link carries, and nothing in between is an error."""
    proc, url = start_app(demo_db)
    try:
        pages = _open_all_at_once(chromium, f"{url}/costs?m_keep_alive_s=900", 3)
        _all_drawn(
            pages, "Resources to review", "document.querySelectorAll('[data-testid=\"stDataFrame\"]').length >= 1"
        )
        for page in pages:
            _assert_clean(page)
            assert "m_keep_alive_s=900" in page.url  # the link still names the assumption it was drawn under
        shown = {(_metric(page, "Resources to review"), _metric(page, "With the recommendations")) for page in pages}
        assert len(shown) == 1 and None not in next(iter(shown)), shown
        assert next(iter(shown))[0].endswith("of 24")
    finally:
        log = stop_app(proc)
    assert "Traceback" not in log and "shown to a visitor" not in log, log[-3000:]


def test_a_tab_closed_while_its_estate_replays_gives_the_replay_up(demo_db: Path, chromium) -> None:
    """Streamlit's own runtime tells the runner a closed tab's session is gone (``session_probe``): a tab opens
    the Costs page on an assumption no one asked for, its estate's replay starts (one resource a group, so it
    has many group ends to notice at), the tab is closed, and the server's log says the replay was given up.
    With the probe not wired to the runtime the replay would finish instead and the line never come."""
    proc, url = start_app(demo_db, extra_env={"BREAKEVEN_ESTATE_GROUP": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        page = new_page(chromium)
        page.goto(f"{url}/costs?m_keep_alive_s=777", wait_until="commit")
        _wait_for(page, "of 24 resources")  # "Replaying 3 of 24 resources…": the estate's run is under way
        _assert_clean(page)
        page.context.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(GIVEN_UP in line for line in lines):
            time.sleep(0.2)
        log = "".join(lines)
        assert GIVEN_UP in log, log[-3000:]
    finally:
        halt(proc)
        reader.join(timeout=15)
    log = "".join(lines)
    assert "Traceback" not in log and "shown to a visitor" not in log, log[-3000:]
    # the given-up replay stored nothing: every entry is under the default assumptions, none under 777 s
    labels = _rows(demo_db, "SELECT label FROM summary_entries")
    assert labels and all(label.endswith("default assumptions") for (label,) in labels), labels
