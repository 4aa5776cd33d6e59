"""Text from users and files is data, not markup: the one place that makes it inert.

Resource, account and region names, file names, cell values echoed in a problem line and instance types
read from a file all reach the page. Streamlit renders markdown (with its own ``:color[…]``, icon and
``$math$`` syntax) in ``st.markdown``, captions, alerts, button, expander and widget labels; plotly renders
a small HTML subset (``<b>``, ``<a href>``, ``<br>``) in titles, legends, ticks and hover labels. A name
such as ``![x](http://host/pixel)`` would make every visitor's browser fetch that address.

- :func:`md` backslash-escapes every ASCII punctuation character (CommonMark lets any of them be
  escaped, and an escaped one is always literal) and turns line breaks and other control characters
  into spaces (leading spaces into entities), so a value cannot open a block, a link, an image, a
  directive or math;
- :func:`md_code` quotes a value as an inline code span whose fence is longer than any run of
  backticks inside it, so nothing inside is interpreted;
- :func:`plot_text` entity-escapes ``&``, ``<`` and ``>`` for plotly.
"""

from __future__ import annotations

import html
import re
import string

_PUNCTUATION = frozenset(string.punctuation)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_BACKTICKS = re.compile(r"`+")


def _one_line(value: object) -> str:
    return _CONTROL.sub(" ", str(value))


def md(value: object) -> str:
    """``value`` as literal text inside markdown (a label, a caption, an alert, a button)."""
    text = _one_line(value)
    stripped = text.lstrip(" ")
    lead = "&#32;" * (len(text) - len(stripped))  # four leading spaces would open a code block
    return lead + "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in stripped)


def md_code(value: object) -> str:
    """``value`` as an inline code span: shown in monospace, exactly as written."""
    text = _one_line(value)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}" if text else "` `"


def plot_text(value: object) -> str:
    """``value`` as literal text in a plotly title, legend entry, tick or hover label."""
    return html.escape(_one_line(value), quote=False)
