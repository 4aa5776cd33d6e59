"""Problems found in an imported file, and the rejection that carries them.

Every importer (the long CSV checked in SQL, the format parsers in Python) reports the same way: one line per
problem naming the file, where in the file (a row, with the header as row 1, or a place in a JSON document)
and the column, at most ``MAX_LISTED`` of them, plus how many there were in all. A line is at most
``MAX_LINE_CHARS`` long whatever the file holds (a 590 KB header or a megabyte cell is quoted shortened). A
rejected file writes nothing.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field

from store.errors import StoreError

MAX_LISTED = 20
MAX_LINE_CHARS = 400
MAX_QUOTED_CHARS = 80


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` cut to ``limit`` characters, marked with '…' where it was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, MAX_QUOTED_CHARS, MAX_QUOTED_CHARS


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """A value from the file, shortened, as Python quotes it (what every message echoes); a nested value is
    shown three levels deep at most, so no value can make a message long or recurse deeply."""
    return repr(shorten(value, limit)) if isinstance(value, str) else shorten(_REPR.repr(value), limit)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. ``row`` counts records with the header as row 1."""

    message: str
    row: int | None = None
    column: str | None = None
    where: str | None = None  # a place that is not a CSV row, e.g. "result m3" or "timeSeries[2].points[5]"

    def sort_key(self) -> tuple[int, str]:
        return (self.row if self.row is not None else 0, self.column or "")

    def line(self, file_name: str) -> str:
        parts = [shorten(file_name, 120)]
        place = f"row {self.row}" if self.row is not None else self.where
        if place:
            parts.append(place)
        if self.column is not None:
            parts.append(f"column {shorten(self.column)}")
        head = ", ".join(parts)
        return shorten(f"{head}: {self.message}", MAX_LINE_CHARS)


@dataclass
class Problems:
    """Collects problems while a file is checked; keeps the first ``MAX_LISTED`` and counts the rest."""

    file_name: str
    listed: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, message: str, *, row: int | None = None, column: str | None = None, where: str | None = None) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(Problem(message, row=row, column=column, where=where))

    def add_counted(self, problem: Problem, count: int = 1) -> None:
        """Add a problem that stands for ``count`` occurrences (SQL checks count what they do not list)."""
        self.total += count
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportRejected(self.file_name, self.listed, self.total)


class ImportRejected(StoreError):
    """A file failed validation; nothing from it was written."""

    def __init__(self, file_name: str, problems: list[Problem], total: int | None = None) -> None:
        self.file_name = file_name
        self.problems = sorted(problems, key=Problem.sort_key)[:MAX_LISTED]
        self.total = max(total if total is not None else len(problems), len(self.problems))
        super().__init__(self.summary())

    @classmethod
    def single(
        cls,
        file_name: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        where: str | None = None,
    ) -> ImportRejected:
        return cls(file_name, [Problem(message, row=row, column=column, where=where)])

    def summary(self) -> str:
        """The one line a CLI prints last: the file, how many problems, and the first of them."""
        noun = "problem" if self.total == 1 else "problems"
        name = shorten(self.file_name, 120)
        first = self.problems[0].line(self.file_name) if self.problems else name
        return shorten(f"{name} was rejected ({self.total} {noun}; nothing was written): {first}", 2 * MAX_LINE_CHARS)

    def lines(self) -> list[str]:
        """One line per listed problem, then how many more were not listed."""
        out = [p.line(self.file_name) for p in self.problems]
        if self.total > len(self.problems):
            out.append(
                f"{shorten(self.file_name, 120)}: … and {self.total - len(self.problems)} more problems not listed"
            )
        return out
