"""The escaping helper against a real CommonMark parser (markdown-it-py, with raw HTML, tables and
strikethrough on): an escaped value renders as one paragraph of exactly its own text, with no element in it."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from charts.text import md, md_code, plot_text

PARSER = MarkdownIt("commonmark", {"html": True})
PARSER.enable(["table", "strikethrough"])

HOSTILE = [
    "![pixel](http://127.0.0.1:9/x.png)",
    '<img src="http://127.0.0.1:9/x.png">',
    "[link](http://evil.example) **bold** _it_ ~~gone~~",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "| a | b |",
    "`code` and ``more``",
    "<http://evil.example>",
    "&lt;b&gt; &amp; &#x3C;",
    "back\\slash\\*",
    "line\nbreak\r\nand\ttab",
    ":red[boom] :material/home: $x^2$ $$y$$",
    "[ref]: http://evil.example",
    "***",
    "    indented code",
    "<!-- comment -->",
]


def _paragraph_text(markdown: str) -> str:
    """The text of the single paragraph ``markdown`` renders to; fails on any other element."""
    rendered = PARSER.render(markdown).strip()
    match = re.fullmatch(r"<p>(.*)</p>", rendered, flags=re.S)
    assert match, f"not one plain paragraph: {rendered!r}"
    inner = match.group(1)
    assert "<" not in inner.replace("&lt;", ""), f"an element inside: {rendered!r}"
    return html.unescape(inner)


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)


@pytest.mark.parametrize("value", HOSTILE)
def test_md_renders_exactly_the_value(value: str) -> None:
    assert _paragraph_text("x " + md(value)) == "x " + _one_line(value)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_md_renders_any_text_exactly(value: str) -> None:
    expected = _one_line(value)
    # CommonMark folds a NUL into U+FFFD and trims a paragraph's ends; compare what survives that
    assert _paragraph_text("x " + md(value) + " x").replace("\ufffd", "\0") == f"x {expected} x".replace("\ufffd", "\0")


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_md_alone_is_one_paragraph_of_the_value(value: str) -> None:
    """As a whole caption or alert: nothing before it, so it could open a block if it were not escaped."""
    expected = _one_line(value).replace("\0", "\ufffd").strip()  # a paragraph's ends are trimmed
    if not expected:
        return  # a paragraph of whitespace renders nothing
    assert _paragraph_text(md(value)).strip() == expected


@pytest.mark.parametrize("value", ["plain", "a`b", "``x``", "`lead", "trail`", "![i](http://e/x.png)", "<b>"])
def test_md_code_is_one_code_span_of_the_value(value: str) -> None:
    rendered = PARSER.render(md_code(value)).strip()
    match = re.fullmatch(r"<p><code>(.*)</code></p>", rendered, flags=re.S)
    assert match, rendered
    assert html.unescape(match.group(1)) == value


def test_plot_text_neutralises_plotly_markup() -> None:
    assert plot_text('<a href="http://evil">x</a> & <br>') == '&lt;a href="http://evil"&gt;x&lt;/a&gt; &amp; &lt;br&gt;'
    assert plot_text("two\nlines") == "two lines"
