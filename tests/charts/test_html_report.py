"""``charts.html_report``: one self-contained file, every data string escaped, the markdown report's content."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from analysis.types import Best, CurrentRow, EstateAssessment, OptionRow, ResourceRow, Totals, Verdict
from charts.html_report import LIBRARY_END, LIBRARY_START, plotly_library, to_html
from charts.report import render, to_markdown

HOSTILE = '</script><img src="https://evil.example/x.png" onerror="alert(1)">&amp;'


def estate(name: str = "scorer", label: str = "SageMaker endpoint (ml.c5.large)") -> EstateAssessment:
    rows = (
        ResourceRow(
            f"lambda:1:us-east-1:{name}", name, "lambda", "faas", "aws", "us-east-1", "1", 98_496_000.0,
            CurrentRow(200.0, 12_345.0, False, True), (OptionRow(label, "sagemaker-endpoint", "endpoint", 78.0, True,
            "", 0.0, 1.0),), Best(label, 78.0, 122.0), 1.5e7, Verdict("move", f"move: {label} saves $122.00/month"),
            measured_hours=720.0, requests_in_window=98_496_000.0,
        ),
        ResourceRow(
            "lambda:1:us-east-1:quiet", "quiet", "lambda", "faas", "aws", "us-east-1", "1", 1000.0,
            CurrentRow(0.5, 3.0, False, False), (), None, None, Verdict("keep", "keep: today's pattern is cheapest"),
        ),
    )  # fmt: skip
    totals = Totals(2, 2, 0, 1, 200.5, 78.5, 122.0, 0.6085, 200.0, 0.9975, 0, 0.0, 0.0, None, None, None)
    return EstateAssessment("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", rows, totals, ("traffic ×2",))


def without_library(document: str) -> str:
    start = document.index(LIBRARY_START) + len(LIBRARY_START)
    return document[:start] + document[document.index(LIBRARY_END) :]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[list[str]] = []
        self._in_td = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.cells.append([])
        self._in_td = tag in ("td", "th")
        if self._in_td:
            self.cells[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_td = False

    def handle_data(self, data: str) -> None:
        if self._in_td:
            self.cells[-1][-1] += data


def test_the_document_is_self_contained_and_requests_nothing() -> None:
    document = to_html(estate(), billed=None)
    assert render(estate(), "html", billed=None) == document  # what report --format html and the download print
    assert plotly_library() in document  # plotly.js inlined, from the installed package
    parser = Tags()
    parser.feed(without_library(document))
    for tag, attrs in parser.tags:
        assert not {"src", "href", "srcset", "action", "poster"} & set(attrs), (tag, attrs)
        assert tag not in ("link", "img", "iframe", "object", "embed", "base"), tag
    csp = [a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none';") and "connect-src" not in csp[0]


def test_every_data_string_is_escaped_in_the_text_and_in_the_chart() -> None:
    document = without_library(to_html(estate(HOSTILE, HOSTILE), billed=None))
    assert "<img" not in document and "</script><" not in document.replace(LIBRARY_END, "")
    assert "evil.example" in document  # present, but only as inert text
    parser = Tags()
    parser.feed(document)
    assert [t for t, _ in parser.tags].count("script") == 2  # the library and the one chart, nothing injected
    assert parser.cells[1][0] == HOSTILE and parser.cells[1][5] == HOSTILE  # shown exactly as written
    chart = re.search(r"var f = (\{.*?\}); Plotly", document).group(1)
    assert "<" not in chart and ">" not in chart  # markup characters as JSON escapes
    assert "\\u0026lt;/script\\u0026gt;" in chart  # entity-escaped for plotly (&lt;), then JSON-escaped


def test_the_html_carries_the_markdown_reports_content() -> None:
    document = to_html(estate(), billed=None)
    markdown = to_markdown(estate(), billed=None)
    table = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
    literal = lambda cell: re.sub(r"\\(.)", r"\1", cell.strip())  # noqa: E731 (markdown's backslash escapes undone)
    md_rows = [[literal(cell) for cell in line.strip("| ").split(" | ")] for line in table]
    parser = Tags()
    parser.feed(without_library(document))
    assert parser.cells == md_rows  # the same header and the same cells, row by row
    for bullet in ("$200.50/month", "$78.50/month", "saving $122.00/month, 1 to review", "traffic ×2"):
        assert bullet in markdown and bullet in document
    assert "Window: 2026-11-01T00:00:00Z → 2026-12-01T00:00:00Z (UTC)" in document


def test_the_file_does_not_depend_on_plotlys_process_wide_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit replaces plotly's default template once a page draws a chart; the report names its own."""
    import plotly.io as pio

    before = to_html(estate(), billed=None)
    monkeypatch.setattr(pio.templates, "default", "plotly_dark")
    assert to_html(estate(), billed=None) == before


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "html"])
def test_no_report_can_leave_the_bill_out_by_accident(fmt: str) -> None:
    """Issue 13: ``to_json(estate)`` used to print ``billed: null`` beside an imported bill. The bill is a
    required keyword of every format now (``billed=None`` only where ``billed_view`` says there is none)."""
    from charts.report import to_csv, to_json

    writer = {"json": to_json, "csv": to_csv, "markdown": to_markdown, "html": to_html}[fmt]
    with pytest.raises(TypeError, match="billed"):
        writer(estate())
    with pytest.raises(TypeError, match="billed"):
        render(estate(), fmt)
    assert render(estate(), fmt, billed=None) == writer(estate(), billed=None)
