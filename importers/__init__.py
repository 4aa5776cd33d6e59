"""Import exported metrics files (see docs/import.md): detection, one parser per format, the checks, and the
orchestration that hands each file to ``store.write_batch`` as one declarative batch, all or nothing; billing
exports have their own pipeline in ``importers.billing``.

Entry points: ``import_files`` (CLI), ``prepare`` + ``write`` (the Upload page, which previews before it
writes). The names below load their modules on first use, so a command line that only lists the formats in
its help does not import DuckDB, Arrow or numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FORMATS": "importers.formats",
    "detect_format": "importers.detect",
    "InputFile": "importers.files",
    "ImportOptions": "importers.model",
    "ImportRejected": "importers.problems",
    "FileResult": "importers.orchestrate",
    "Prepared": "importers.orchestrate",
    "RejectedFiles": "importers.orchestrate",
    "import_files": "importers.orchestrate",
    "prepare": "importers.orchestrate",
    "write": "importers.orchestrate",
    "WideMapping": "importers.wide_mapping",
    "guess_mapping": "importers.wide_mapping",
    "load_mapping": "importers.wide_mapping",
    "mapping_from_json": "importers.wide_mapping",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Each public name, imported from its module when first asked for."""
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'importers' has no attribute {name!r}")
