"""JSON exports as one document, a list of pages, or several pages written one after another.

``aws ... --no-paginate`` or a ``curl`` loop over ``nextPageToken`` often leaves several JSON objects
concatenated in one file; ``json.load`` refuses that, so documents are read one by one. A syntax
error is reported by line and column.
"""

from __future__ import annotations

import json
from typing import Any

from store.import_problems import ImportRejected

_DECODER = json.JSONDecoder()


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
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            pages.extend(value)
        else:
            pages.append(value)
    if not pages:
        raise ImportRejected.single(file_name, "holds no JSON document")
    return pages
