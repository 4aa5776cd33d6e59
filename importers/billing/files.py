"""A billing export as DuckDB sees it: which reader opens it, and its columns under any of their spellings.

Billing files come as CSV (plain or gzipped), Parquet or JSON lines, and the same field is spelled
differently by each producer: ``BilledCost`` in FOCUS, ``line_item_unblended_cost`` in CUR 2.0 and
``lineItem/UnblendedCost`` in the legacy CUR, ``service.description`` as a nested field in a BigQuery
Parquet export but ``service_description`` (or a dotted header) once a query flattened it for CSV. Columns
are matched by name, never by position, and without regard to case, because exports made from Athena or
BigQuery queries carry the query's column order and spelling.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

Kind = Literal["csv", "parquet", "json"]
# The literal NULL is how several real FOCUS exports write an empty value (FinOps Foundation sample data).
CSV_OPTIONS = "all_varchar = true, header = true, nullstr = ['', 'NULL'], max_line_size = 4194304"


def quote(name: str) -> str:
    """A column name as a SQL identifier (names come from the file, so they are always quoted)."""
    return '"' + name.replace('"', '""') + '"'


def legacy_cur_name(name: str) -> str:
    """``lineItem/UnblendedCost`` → ``line_item_unblended_cost``: the legacy CUR header in CUR 2.0 spelling."""
    snake = [re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", part).lower() for part in name.split("/")]
    return "_".join(snake)


def _sniff(path: Path) -> tuple[Kind, bool]:
    """(kind, gzipped) from the name, else from the first bytes (uploads may lose their extension)."""
    lower = path.name.lower()
    gzipped = lower.endswith(".gz")
    stem = lower[:-3] if gzipped else lower
    if stem.endswith((".parquet", ".pq")):
        return "parquet", False
    if stem.endswith((".json", ".jsonl", ".ndjson")):
        return "json", gzipped
    if stem.endswith((".csv", ".tsv", ".txt")):
        return "csv", gzipped
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        return "parquet", False
    gzipped = head[:2] == b"\x1f\x8b"
    if gzipped:
        with gzip.open(path, "rb") as handle:
            head = handle.read(64)
    text = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    return ("json" if text[:1] in (b"{", b"[") else "csv"), gzipped


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Source:
    """One opened billing file: its reader SQL, columns (as spelled in the file) and nested fields."""

    path: Path
    name: str
    kind: Kind
    gzipped: bool
    columns: dict[str, str] = field(default_factory=dict)  # lower-case name (and legacy alias) → name in file
    types: dict[str, str] = field(default_factory=dict)  # name in file → DuckDB type
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # struct column → {lower field: field}
    element_fields: dict[str, dict[str, str]] = field(default_factory=dict)  # list-of-struct column → fields

    def reader(self) -> str:
        """The table function that reads the file; the path is the ``$path`` parameter."""
        if self.kind == "parquet":
            return "read_parquet($path)"
        if self.kind == "json":
            compression = ", compression = 'gzip'" if self.gzipped else ""
            return f"read_json($path, format = 'newline_delimited'{compression})"
        compression = ", compression = 'gzip'" if self.gzipped else ""
        return f"read_csv($path, {CSV_OPTIONS}{compression})"

    @property
    def params(self) -> dict[str, str]:
        return {"path": str(self.path)}

    @property
    def row_offset(self) -> int:
        """Added to a 0-based record index to give the number people see (a CSV's header is row 1)."""
        return 2 if self.kind == "csv" else 1

    def has(self, *names: str) -> bool:
        return self.column(*names) is not None

    def column(self, *names: str) -> str | None:
        """SQL for the first of ``names`` the file has: ``a.b`` finds a nested field ``b`` of struct ``a``, a
        flattened ``a_b`` or a dotted header ``a.b``; names match without regard to case."""
        for name in names:
            lower = name.lower()
            if lower in self.columns:
                return quote(self.columns[lower])
            if "." in lower:
                parent, child = lower.split(".", 1)
                flat = parent + "_" + child.replace(".", "_")
                if flat in self.columns:
                    return quote(self.columns[flat])
                struct = self.columns.get(parent)
                if struct is not None and child in self.fields.get(struct, {}):
                    field_name = self.fields[struct][child].replace("'", "''")
                    return f"struct_extract({quote(struct)}, '{field_name}')"
        return None

    def label(self, *names: str) -> str:
        """The column's name as the file spells it, for messages (the first candidate when absent)."""
        for name in names:
            lower = name.lower()
            if lower in self.columns:
                return self.columns[lower]
            if "." in lower:
                parent, child = lower.split(".", 1)
                flat = parent + "_" + child.replace(".", "_")
                if flat in self.columns:
                    return self.columns[flat]
                if self.column(name) is not None:
                    return name
        return names[0]

    def type_of(self, *names: str) -> str:
        for name in names:
            actual = self.columns.get(name.lower())
            if actual is not None:
                return self.types.get(actual, "VARCHAR")
        return "VARCHAR"


def _add_column(source: Source, column_name: str, column_type: str) -> None:
    source.types[column_name] = column_type
    source.columns.setdefault(column_name.lower().strip(), column_name)
    if "/" in column_name:  # legacy CUR header
        source.columns.setdefault(legacy_cur_name(column_name.strip()), column_name)


def source_of_header(header: Sequence[str]) -> Source:
    """A CSV's columns from its header line alone (for detection; nothing is opened)."""
    source = Source(Path("header.csv"), "header", "csv", False)
    for column_name in header:
        _add_column(source, column_name, "VARCHAR")
    return source


def open_source(con: duckdb.DuckDBPyConnection, path: Path, name: str | None = None) -> Source:
    """Describe ``path`` (without reading its rows) so a format can be detected and its columns found."""
    kind, gzipped = _sniff(path)
    source = Source(Path(path), name or Path(path).name, kind, gzipped)
    described = con.execute(f"DESCRIBE SELECT * FROM {source.reader()}", source.params).fetchall()  # noqa: S608
    for column_name, column_type, *_ in described:
        _add_column(source, column_name, column_type)
    for column_name, column_type in source.types.items():
        if column_type.startswith("STRUCT(") and not column_type.endswith("[]"):
            inner = con.execute(
                f"DESCRIBE SELECT {quote(column_name)}.* FROM {source.reader()}",  # noqa: S608 - quoted name
                source.params,
            ).fetchall()
            source.fields[column_name] = {row[0].lower(): row[0] for row in inner}
        elif column_type.startswith("STRUCT(") and column_type.endswith("[]"):
            inner = con.execute(
                f"DESCRIBE SELECT unnest({quote(column_name)}, recursive := true) FROM {source.reader()}",  # noqa: S608
                source.params,
            ).fetchall()
            source.element_fields[column_name] = {row[0].lower(): row[0] for row in inner}
    return source
