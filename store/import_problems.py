"""Problems found in an imported file, and the rejection that carries them.

Every importer (the long-CSV staging in SQL here in the store, the format parsers in
``collectors.importers``) reports the same way: one line per problem naming the file, where in the
file (a row, with the header as row 1, or a place in a JSON document) and the column, at most
``MAX_LISTED`` of them, plus how many there were in all. A rejected file writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from store.errors import StoreError

MAX_LISTED = 20


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
        parts = [file_name]
        place = f"row {self.row}" if self.row is not None else self.where
        if place:
            parts.append(place)
        if self.column is not None:
            parts.append(f"column {self.column}")
        head = ", ".join(parts)
        return f"{head}: {self.message}"


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
        first = self.problems[0].line(self.file_name) if self.problems else self.file_name
        return f"{self.file_name} was rejected ({self.total} {noun}; nothing was written): {first}"

    def lines(self) -> list[str]:
        """One line per listed problem, then how many more were not listed."""
        out = [p.line(self.file_name) for p in self.problems]
        if self.total > len(self.problems):
            out.append(f"{self.file_name}: … and {self.total - len(self.problems)} more problems not listed")
        return out
