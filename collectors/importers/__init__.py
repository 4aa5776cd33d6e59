"""Import exported metrics files (see docs/import.md): detection, one parser per format, validation,
and the orchestration that writes each file all or nothing. Entry points: ``import_files`` (CLI),
``prepare`` + ``write`` (the Upload page, which previews before it writes)."""

from collectors.importers.detect import FORMATS, detect_format
from collectors.importers.files import InputFile
from collectors.importers.model import ImportOptions
from collectors.importers.orchestrate import FileResult, Prepared, RejectedFiles, import_files, prepare, write
from collectors.importers.wide_mapping import WideMapping, guess_mapping, load_mapping, mapping_from_json
from store.import_problems import ImportRejected

__all__ = [
    "FORMATS",
    "FileResult",
    "ImportOptions",
    "ImportRejected",
    "InputFile",
    "Prepared",
    "RejectedFiles",
    "WideMapping",
    "detect_format",
    "guess_mapping",
    "import_files",
    "load_mapping",
    "mapping_from_json",
    "prepare",
    "write",
]
