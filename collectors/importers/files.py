"""The bytes of an imported file: size limit, fingerprint, and the checks that need no parsing.

Every file is read once here, in chunks, for its SHA-256 (recorded with the import) and to refuse what
is plainly not a text export before any parser sees it: empty files, files over the size limit,
binary files (a NUL byte, or the signature of a ZIP, gzip, Excel or Parquet file) and UTF-16 text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from common.progress import ProgressFn
from store.import_problems import ImportRejected

CHUNK_BYTES = 4 << 20
HEAD_BYTES = 64 << 10
UTF8_BOM = b"\xef\xbb\xbf"

_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
)


@dataclass(frozen=True)
class InputFile:
    """A file to import: where its bytes are, and the name to show (an upload's original name)."""

    path: Path
    name: str

    @classmethod
    def from_path(cls, path: str | Path) -> InputFile:
        p = Path(path)
        return cls(p, p.name)


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES, BOM included

    @property
    def head_text(self) -> str:
        """The head decoded for sniffing; a cut multi-byte character at the end is dropped."""
        head = self.head[len(UTF8_BOM) :] if self.head.startswith(UTF8_BOM) else self.head
        return head.decode("utf-8", errors="ignore")


def inspect_file(file: InputFile, max_bytes: int | None = None, progress: ProgressFn | None = None) -> FileFacts:
    """Fingerprint ``file`` and refuse it early if it cannot be a text export (one-line reasons)."""
    try:
        size = file.path.stat().st_size
    except OSError as exc:
        raise ImportRejected.single(file.name, f"cannot be opened: {exc.strerror or exc}") from None
    if size == 0:
        raise ImportRejected.single(file.name, "is empty (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise ImportRejected.single(
            file.name,
            f"is {size / 1e6:,.1f} MB, over the {max_bytes / 1e6:,.0f} MB limit for one file; "
            "split it, or raise the limit (CLI --max-size-mb, page BREAKEVEN_UPLOAD_MAX_MB)",
        )
    digest = hashlib.sha256()
    head = b""
    offset = 0
    with file.path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if not head:
                head = chunk[:HEAD_BYTES]
                _refuse_binary_head(file.name, head)
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise ImportRejected.single(
                    file.name,
                    f"contains a NUL byte at byte {offset + nul}: it looks like a binary file, "
                    "not a CSV or JSON export",
                )
            digest.update(chunk)
            offset += len(chunk)
            if progress:
                progress(offset / size, "fingerprinting")
    return FileFacts(size=size, sha256=digest.hexdigest(), head=head)


def _refuse_binary_head(name: str, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected.single(name, "is UTF-16 text; save it as UTF-8 (in Excel: 'CSV UTF-8')")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise ImportRejected.single(name, f"is {what}, not a CSV or JSON export")


def read_text(file: InputFile) -> str:
    """The whole file as text (UTF-8, a leading BOM dropped); bad bytes are reported by row."""
    data = file.path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise ImportRejected.single(
            file.name,
            f"byte {exc.start} is not valid UTF-8 (0x{data[exc.start]:02x}); save the file as UTF-8",
            where=f"line {row}",
        ) from None
