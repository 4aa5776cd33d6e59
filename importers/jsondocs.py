"""JSON exports as one document, a list of pages, or several pages written one after another.

``aws ... --no-paginate`` or a ``curl`` loop over ``nextPageToken`` often leaves several JSON objects
concatenated in one file; ``json.load`` refuses that, so documents are read one by one. A syntax error is
reported by line and column. No export nests deeper than about ten levels, so a document deeper than
``MAX_DEPTH`` is refused in one line (Python's decoder would raise RecursionError somewhere past a thousand
levels, and printing a value a few hundred levels deep could do the same later).
"""

from __future__ import annotations

import json
from typing import Any

from importers.problems import ImportRejected

MAX_DEPTH = 64
_DECODER = json.JSONDecoder()


def _too_deep(file_name: str, where: str | None = None) -> ImportRejected:
    return ImportRejected.single(
        file_name, f"nests JSON more than {MAX_DEPTH} levels deep; no export is that deep", where=where
    )


def check_depth(value: Any, file_name: str, where: str | None = None) -> None:
    """Refuse ``value`` when its lists and objects nest more than ``MAX_DEPTH`` deep (walked level by level,
    without recursion)."""
    if not isinstance(value, dict | list):
        return  # a number or a text: one level
    level: list[Any] = [value]  # only lists and objects, one level's
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep(file_name, where)
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]


def load_json(text: str, file_name: str) -> Any:
    """One JSON document, depth-checked; a syntax error names its line."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected.single(file_name, f"is not valid JSON: {exc.msg}", where=f"line {exc.lineno}") from None
    except RecursionError:
        raise _too_deep(file_name) from None
    check_depth(document, file_name)
    return document


def json_pages(text: str, file_name: str) -> list[Any]:
    """Every top-level JSON value in ``text``; a top-level list of objects counts as its pages."""
    pages: list[Any] = []
    index = 0
    length = len(text)
    while True:
        while index < length and text[index] in " \t\r\n":
            index += 1
        if index >= length:
            break
        try:
            value, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise ImportRejected.single(
                file_name, f"is not valid JSON: {exc.msg}", where=f"line {exc.lineno}, column {exc.colno}"
            ) from None
        except RecursionError:
            raise _too_deep(file_name, f"document {len(pages) + 1}") from None
        check_depth(value, file_name, f"document {len(pages) + 1}")
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            pages.extend(value)
        else:
            pages.append(value)
    if not pages:
        raise ImportRejected.single(file_name, "holds no JSON document")
    return pages
