"""Reads open DuckDB with bounded memory (``BREAKEVEN_READ_MEMORY_MB``) and their own spill folder; writes are
not limited; a bad value is one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import SettingsError
from store import connect


def _settings(path: Path, *, read_only: bool) -> tuple[str, str]:
    with connect(path, read_only=read_only) as con:
        limit, spill = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    return limit, spill


def test_reads_take_the_limit_and_a_spill_folder_of_their_own(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_READ_MEMORY_MB", "512")
    limit, spill = _settings(empty_db, read_only=True)
    assert limit == "512.0 MiB"
    assert "breakeven-duckdb-" in spill and not spill.startswith(str(empty_db))
    monkeypatch.delenv("BREAKEVEN_READ_MEMORY_MB")
    assert _settings(empty_db, read_only=True)[0] == "256.0 MiB"  # the default
    assert _settings(empty_db, read_only=False)[0] != "256.0 MiB"  # a write keeps DuckDB's own (80 % of memory)


def test_a_bad_limit_is_refused_in_words(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_READ_MEMORY_MB", "12")
    with pytest.raises(SettingsError, match="BREAKEVEN_READ_MEMORY_MB='12'"):
        _settings(empty_db, read_only=True)
