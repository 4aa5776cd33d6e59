"""The generic long CSV (DESIGN.md, "Generic CSV format"): map its header to roles, then let the store
stream it through DuckDB (``store.imports``). Column names are matched without regard to case or
surrounding spaces; columns the format does not know are ignored and named in the import's notes.
"""

from __future__ import annotations

from collectors.importers.detect import csv_header
from collectors.importers.files import FileFacts, InputFile
from store.import_problems import Problems
from store.import_sql import OPTIONAL_ROLES, REQUIRED_ROLES, LongCsvSpec


def plan_long_csv(
    file: InputFile,
    facts: FileFacts,
    *,
    source: str,
    default_account: str = "",
    default_region: str = "",
) -> tuple[LongCsvSpec, list[str]]:
    """The reading plan for one file, and notes (ignored columns); rejects a header it cannot use."""
    delimiter, header = csv_header(facts.head_text)
    problems = Problems(file.name)
    roles: dict[str, int] = {}
    ignored: list[str] = []
    known = (*REQUIRED_ROLES, *OPTIONAL_ROLES)
    for index, name in enumerate(header):
        role = name.lower()
        if role in roles:
            problems.add(f"appears twice in the header (columns {roles[role] + 1} and {index + 1})", row=1, column=name)
        elif role in known:
            roles[role] = index
        else:
            ignored.append(name or f"(column {index + 1} has no name)")
    for role in REQUIRED_ROLES:
        if role not in roles:
            problems.add(
                f"the header has no {role!r} column (it has: {', '.join(header)}); "
                f"required: {', '.join(REQUIRED_ROLES)}",
                row=1,
            )
    problems.raise_if_any()
    spec = LongCsvSpec(
        path=file.path,
        file_name=file.name,
        header=tuple(header),
        roles=roles,
        delimiter=delimiter,
        source=source,
        default_account=default_account,
        default_region=default_region,
    )
    notes = [f"ignored column(s) not in the long format: {', '.join(ignored)}"] if ignored else []
    return spec, notes
