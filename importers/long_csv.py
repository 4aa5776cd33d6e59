"""The generic long CSV (DESIGN.md, "Generic CSV format"): map its header to roles, then stream it through DuckDB
(``importers.long_stage``). Column names are matched without regard to case or surrounding spaces; columns the
format does not know are ignored and named in the import's notes.
"""

from __future__ import annotations

from datetime import datetime

from common.progress import ProgressFn
from importers.detect import csv_header
from importers.files import FileHead, InputFile
from importers.formats import REQUIRED_ROLES
from importers.long_sql import OPTIONAL_ROLES, LongCsvSpec
from importers.long_stage import stage_long_csv
from importers.model import ImportOptions, Parsed
from importers.problems import Problems, shorten

SOURCE = "upload"  # the configuration snapshots' source until the orchestrator names the upload


def plan_long_csv(
    file: InputFile,
    head: FileHead,
    *,
    source: str = SOURCE,
    default_account: str = "",
    default_region: str = "",
) -> tuple[LongCsvSpec, list[str]]:
    """The reading plan for one file, and notes (ignored columns); rejects a header it cannot use."""
    delimiter, header = csv_header(head.head_text)
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
                f"the header has no {role!r} column (it has: {shorten(', '.join(header), 120)}); "
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
    notes = [f"ignored column(s) not in the long format: {shorten(', '.join(ignored), 200)}"] if ignored else []
    return spec, notes


def parse(
    file: InputFile,
    head: FileHead,
    options: ImportOptions,
    *,
    source: str = SOURCE,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> tuple[Parsed, LongCsvSpec]:
    """Read and check one long CSV; the rows for the store's batch, and the plan (to explain a refusal)."""
    spec, notes = plan_long_csv(
        file, head, source=source, default_account=options.account, default_region=options.region
    )
    staged = stage_long_csv(spec, progress, now)
    if staged.config_rows:
        notes.append(f"{staged.config_rows} configuration row(s) (no metric and no value) read as configuration")
    return Parsed(staged.rows, staged.resources, staged.configs, staged.metrics, notes), spec
