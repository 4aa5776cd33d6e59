"""Reading, checking and saving the user's overrides file from an editor (the Prices page).

Several browser sessions may edit the same file at once (each Streamlit session is a thread of one server;
a second server or a text editor may write it too). A save therefore:

- checks the whole new content first, field by field, with the same rules as reading the file
  (:func:`check_rules`: ``pricing.overrides`` parsing, then every rule must match a price), so a saved
  file always loads;
- holds an exclusive ``flock`` on a lock file outside the user's folder while it compares the file on disk
  with the fingerprint of what the editor loaded: if another session (or anything else) saved in between,
  it refuses with :class:`OverridesFileChangedError` instead of silently overwriting that edit;
- writes a temporary file in the same folder, fsyncs it and renames it over the old one, so a reader sees
  the old file or the new one, never half of either.

TOML is written by ``tomli_w`` from plain data, never by string formatting. Comments in a hand-written file
are not kept by a save (the page says so before saving).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import os
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from pricing.book import PriceBook
from pricing.errors import PricingError, SheetError
from pricing.overrides import apply_overrides, parse_overrides

KINDS = ("discount", "override")
Rules = dict[str, list[dict[str, Any]]]


class OverridesFileChangedError(PricingError):
    """The file on disk is not the one the editor loaded: someone else saved it in the meantime."""


@dataclass(frozen=True)
class RulesFile:
    """What an editor loaded: the rules as plain TOML data, and the fingerprint of the bytes they came from.

    ``problem`` is set (and ``rules`` empty) when the file is not readable TOML: the editor then cannot
    offer its rules for editing, and says why."""

    path: Path
    rules: Rules = field(default_factory=dict)
    fingerprint: str = ""
    exists: bool = False
    has_comments: bool = False
    problem: str = ""


def fingerprint_of(data: bytes | None) -> str:
    """A digest of the file's bytes ("" for no file): equal digests mean the same content."""
    return "" if data is None else hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def current_fingerprint(path: str | Path) -> str:
    """The fingerprint of the file as it is on disk now ("" when it does not exist)."""
    try:
        return fingerprint_of(_read_bytes(Path(path)))
    except OSError:
        return "unreadable"


def empty_rules() -> Rules:
    return {kind: [] for kind in KINDS}


def read_rules(path: str | Path) -> RulesFile:
    """The file's rules as TOML data, unchecked (a file with a bad value must still open in the editor, so
    the user can fix it there); a missing file is an empty set of rules that the first save creates."""
    path = Path(path)
    try:
        raw = _read_bytes(path)
    except OSError as exc:
        return RulesFile(path, problem=f"{path.name} cannot be read: {exc.strerror}")
    if raw is None:
        return RulesFile(path, empty_rules())
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        return RulesFile(
            path,
            fingerprint=fingerprint_of(raw),
            exists=True,
            problem=f"{path.name} is not UTF-8 text (byte {exc.start})",
        )
    except tomllib.TOMLDecodeError as exc:
        return RulesFile(
            path, fingerprint=fingerprint_of(raw), exists=True, problem=f"{path.name} is not valid TOML: {exc}"
        )
    for kind in KINDS:
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            problem = f"{path.name}: {kind}: must be a list of tables, each starting with a [[{kind}]] line"
            return RulesFile(path, fingerprint=fingerprint_of(raw), exists=True, problem=problem)
    rules = empty_rules()
    rules.update(data)  # unknown tables stay, so that checking names them rather than a save dropping them
    comments = "#" in text  # perhaps only inside a string: the warning says "may"
    return RulesFile(path, rules, fingerprint_of(raw), exists=True, has_comments=comments)


def rules_to_toml(rules: Mapping[str, Any]) -> str:
    """The file's text for ``rules``: ``[[discount]]`` tables, then ``[[override]]`` tables; empty kinds left out."""
    data = {kind: [dict(rule) for rule in rules.get(kind, [])] for kind in KINDS if rules.get(kind)}
    data.update({k: v for k, v in rules.items() if k not in KINDS})
    return tomli_w.dumps(data)


def check_rules(rules: Mapping[str, Any], bundled: PriceBook, origin: str) -> PriceBook:
    """Every value checked as reading the file would check it, and every rule matched against a price of the
    bundled book; the first problem raises :class:`SheetError`, one line naming the rule and its key.
    Returns the bundled book with the rules applied (what the prices would be once saved)."""
    return apply_overrides(bundled, parse_overrides(dict(rules), origin))


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An exclusive lock for saving ``path``, across threads and processes on this machine. The lock file
    lives in the temporary folder, named after the file's resolved path, so the user's folder gets no extra
    file; locking the overrides file itself would not do, as a save replaces it with a new inode."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"breakeven-overrides-{digest}.lock"
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_rules(path: str | Path, rules: Mapping[str, Any], expected_fingerprint: str) -> str:
    """Write ``rules`` to ``path`` atomically if the file is still what the editor loaded
    (``expected_fingerprint``, "" for "did not exist"); returns the new fingerprint.

    Raises :class:`OverridesFileChangedError` when the file changed since, and :class:`SheetError` when the
    folder cannot be written; in both cases the file is left as it was."""
    target = Path(path).resolve()  # a symlinked file keeps its link: the file it points at is replaced
    name = Path(path).name  # messages name the file as the user named it
    text = rules_to_toml(rules)
    with _exclusive(target):
        on_disk = current_fingerprint(target)
        if on_disk != expected_fingerprint:
            raise OverridesFileChangedError(
                f"{name} changed since you opened it (another session or program saved it): your change "
                "was not saved, so theirs is not lost; reload the rules to see the file as it is now, then make "
                "your change again"
            )
        data = text.encode("utf-8")
        try:
            _replace(target, data)
        except OSError as exc:
            raise SheetError(f"{name} could not be saved: {exc.strerror or exc}") from exc
    return fingerprint_of(data)


def _replace(target: Path, data: bytes) -> None:
    """Temporary file in the same folder, flushed to disk, renamed over ``target``; the folder synced so the
    rename survives a crash. The old file's permissions are kept."""
    mode = target.stat().st_mode & 0o777 if target.exists() else None
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on failure
        dir=target.parent, prefix=f".{target.name}.", suffix=".saving", delete=False
    )
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def number_or_text(text: str, *, percent: bool = False) -> float | str | None:
    """What an editor's number field holds, for the checks to judge: a float (``nan`` and ``inf`` included,
    so the check refuses them in words), the text itself when it is not a number, or None when empty
    (a missing key). A percent may be written with its sign: ``17 %``."""
    cleaned = text.strip()
    if percent:
        cleaned = cleaned.removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return text.strip()
    return value if not math.isfinite(value) or value != int(value) else int(value)


def patterns_of(text: str) -> list[str]:
    """Comma-separated glob patterns, as a list (empty entries dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]
