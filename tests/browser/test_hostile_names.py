"""Names are data, not markup: resources, an account, a region and a file name written in markdown, HTML and
image syntax are imported through the real Upload page, then every page is rendered by a real browser.
They show as literal text, and neither a local listener nor the app's own server is asked for anything
they point at."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, new_page, start_app, stop_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server that records every request it gets (there must be none)."""
    seen: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def _names(port: int) -> dict[str, tuple[str, str, str]]:
    """name -> (account, region, what it tries); account and region may not hold ':'."""
    base = f"http://127.0.0.1:{port}"
    return {
        f"![pixel]({base}/md-image.png)": ("111122223333", "us-east-1", "markdown image"),
        f'<img src="{base}/html-image.png"> <b>bold</b>': ("111122223333", "us-east-1", "HTML image"),
        f"[link]({base}/md-link) **bold** :red[red] $x^2$ `tick": (
            "111122223333",
            "us-east-1",
            "link, directive, math",
        ),
        "plain-victim": ("<b>acct</b>", "![r](relative-region.png)", "account and region"),
    }


def _hostile_csv(path: Path, names: dict[str, tuple[str, str, str]]) -> None:
    start = datetime(2026, 11, 20)  # inside the demo window (it ends 2026-11-29)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["timestamp", "service", "resource", "metric", "value", "period_s", "region", "account", "memory_mb"]
        )
        for name, (account, region, _) in names.items():
            for h in range(48):
                stamp = (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
                writer.writerow([stamp, "lambda", name, "invocations", 500, 3600, region, account, 1024])
                writer.writerow([stamp, "lambda", name, "duration_ms_avg", 80, 3600, region, account, ""])


def _clean(page) -> str:
    page.wait_for_timeout(500)  # let the last deltas land
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []
    return page.locator("body").inner_text()


def test_hostile_names_render_as_text_and_fetch_nothing(demo_db: Path, tmp_path: Path, chromium, listener) -> None:
    port, seen = listener
    names = _names(port)
    upload = tmp_path / "hostile.csv"
    _hostile_csv(upload, names)
    file_name = "![file](file-name.png) <img src=file-tag.png> **x**.csv"
    proc, url = start_app(demo_db)
    try:
        page = new_page(chromium)
        page.goto(f"{url}/upload", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stFileUploader"]', timeout=120_000)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": file_name, "mimeType": "text/csv", "buffer": upload.read_bytes()}
        )
        page.wait_for_selector("text=Rows read", timeout=120_000)
        assert file_name in _clean(page)  # the preview's heading, literally
        page.get_by_role("button", name="Import 1 file(s)").click()
        page.wait_for_selector("text=imported:", timeout=120_000)
        text = _clean(page)
        assert file_name in text
        for name in names:
            assert name in text, f"{name!r} not shown literally in the Open in Overview buttons"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hostile-upload.png"), full_page=True)

        for path, ready in (("", "Newest data"), ("/sources", "Data sources"), ("/upload", "Past imports")):
            page.goto(f"{url}{path}", wait_until="domcontentloaded")
            page.wait_for_selector(f"text={ready}", timeout=120_000)
            _clean(page)
        page.goto(f"{url}/upload", wait_until="domcontentloaded")
        page.wait_for_selector("text=Past imports", timeout=120_000)
        page.wait_for_function("document.querySelectorAll('[data-testid=\"stDataFrame\"]').length >= 1", timeout=60_000)
        for name, (account, region, _) in names.items():
            resource_id = f"lambda:{account}:{region}:{name}"
            page.goto(f"{url}/costs?resource={quote(resource_id, safe='')}", wait_until="domcontentloaded")
            page.wait_for_selector("text=One resource in detail", timeout=180_000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", timeout=60_000)
            _clean(page)
            # the page's own choice (the bill's section has a "Resource" choice too: the demo carries bills)
            chosen = page.locator('.st-key-cost_resource [data-testid="stSelectbox"]')
            shown = chosen.inner_text() + " ".join(i.input_value() for i in chosen.locator("input").all())
            assert name in shown, f"{name!r} not shown literally in the Costs page's resource choice: {shown!r}"
        page.screenshot(path=str(ARTIFACTS / "hostile-costs.png"), full_page=True)
    finally:
        log = stop_app(proc)
    assert seen == [], f"the browser fetched {seen} from addresses in the data"
    pointed_at = ("md-image", "html-image", "md-link", "relative-region", "file-name", "file-tag")
    requested_paths = [urlsplit(u).path for u in page.requests]  # our own navigations carry names in the query
    fetched = [p for p in requested_paths if any(name in p for name in pointed_at)]
    assert not [u for u in page.requests if f":{port}" in urlsplit(u).netloc], "a request went to the listener"
    assert fetched == [], fetched
    assert "Traceback" not in log, log[-3000:]
