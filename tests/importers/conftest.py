"""Fixtures for the importer tests: real database files under tmp_path, the committed samples, and a
fingerprint of everything a database holds (to prove a rejected file changed nothing)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from breakeven.cli import main
from importers import ImportOptions, InputFile, import_files
from store import ensure_database
from store.db import run_read
from tests.conftest import copy_database, tables_digest

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
TABLES = ("resources", "resource_config", "metrics", "uploads", "runs", "watermarks")


@pytest.fixture
def store_db(empty_db: Path) -> Path:
    """The importer tests' name for an empty, migrated database."""
    return empty_db


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("samples") / "sample.duckdb"
    ensure_database(path)
    import_files(path, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
    return path


@pytest.fixture
def sample_db(sample_db_template: Path, tmp_path: Path) -> Path:
    """A database that already holds data (the long-CSV sample), so 'unchanged' means something."""
    return copy_database(sample_db_template, tmp_path / "sample.duckdb")


def db_state(path: Path) -> str:
    """A digest of every row of every table (``tests.conftest.tables_digest``)."""
    return tables_digest(path, TABLES)


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    return run_read(path, lambda con: con.execute(sql, params or []).fetchall())


def metric_values(path: Path, resource_id: str, metric: str) -> dict[str, float]:
    """{period_start as 'YYYY-MM-DD HH:MM': value} for one series."""
    found = rows(
        path,
        "SELECT strftime(period_start, '%Y-%m-%d %H:%M'), value FROM metrics "
        "WHERE resource_id = ? AND metric = ? ORDER BY period_start",
        [resource_id, metric],
    )
    return dict(found)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()
