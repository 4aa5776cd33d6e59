from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from common.settings import DEFAULT_DB, resolve_db_path
from store import StoreMissingError, StoreSchemaError, connect, ensure_database
from store.schema import SCHEMA_VERSION, apply_migrations, schema_version


def test_new_file_is_created_at_current_version(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    assert ensure_database(path) is True
    with connect(path, read_only=True) as con:
        assert schema_version(con) == SCHEMA_VERSION
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"resources", "resource_config", "metrics", "runs", "watermarks", "uploads", "schema_version"} <= tables
    assert ensure_database(path) is False


def test_previous_version_is_migrated_in_place_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    apply_migrations(con, target=SCHEMA_VERSION - 1)
    con.execute(
        "INSERT INTO resources VALUES ('lambda:1:us-east-1:f', 'aws', 'lambda', 'faas', '1', "
        "'us-east-1', 'f', NULL, NULL)"
    )
    con.execute("INSERT INTO metrics VALUES ('lambda:1:us-east-1:f', 'invocations', '2026-01-01', 3600, 5, 'old')")
    con.close()

    with pytest.raises(StoreSchemaError, match="schema version"), connect(path, read_only=True):
        pass
    with connect(path, read_only=False) as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("SELECT value FROM metrics").fetchall() == [(5.0,)]
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    ensure_database(path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (999, 'from the future', now()::TIMESTAMP)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreSchemaError, match="newer Breakeven"), connect(path, read_only=False):
        pass
    assert path.read_bytes() == before


def test_reading_a_missing_database_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StoreMissingError, match="breakeven demo"), connect(tmp_path / "nope.duckdb", read_only=True):
        pass
    assert not (tmp_path / "nope.duckdb").exists()


def test_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BREAKEVEN_DB", raising=False)
    assert resolve_db_path(None) == DEFAULT_DB
    monkeypatch.setenv("BREAKEVEN_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(None) == tmp_path / "env.duckdb"
    assert resolve_db_path(str(tmp_path / "cli.duckdb")) == tmp_path / "cli.duckdb"
