"""Fixtures shared by every test package: databases that compose (empty_db → demo_db)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from demo import write_demo
from store import ensure_database

# A fixed end keeps the demo estate identical from run to run.
DEMO_END = datetime(2026, 11, 29, 0, 0)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.duckdb"
    ensure_database(path)
    return path


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo estate written once per session, with its default view's summary stored as every real way to
    a demo database stores it (the first start, ``breakeven demo``); tests copy it rather than rebuild it."""
    from analysis.stored_summary import refresh_default

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    write_demo(path, end=DEMO_END)
    refresh_default(path)
    return path


def copy_database(source: Path, target: Path) -> Path:
    """Copy a closed database file (and its write-ahead log, if any) so a test can change its own copy."""
    shutil.copyfile(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}.wal"))
    return target


def import_sample_bills(path: Path) -> Path:
    """Import the three committed sample bills (``data/samples``: CUR 2.0, FOCUS 1.2, the GCP export) into ``path``
    through the billing importer, as a user's import would."""
    from demo.bills.constants import CUR_FILE, FOCUS_FILE, GCP_FILE
    from importers.billing import read_billing_file
    from store.billing import write_billing

    for name in (CUR_FILE, FOCUS_FILE, GCP_FILE):
        write_billing(path, read_billing_file(PROJECT_ROOT / "data" / "samples" / name))
    return path


@pytest.fixture(scope="session")
def demo_reissued_template(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the three committed samples imported on top of its own bills: they re-issue its November
    (the same charges). Written once per session; read-only for the tests that share it."""
    return import_sample_bills(copy_database(demo_db_template, tmp_path_factory.mktemp("reissued") / "demo.duckdb"))


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change."""
    return copy_database(demo_db_template, tmp_path / "demo.duckdb")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")


def tables_digest(path: Path, tables: tuple[str, ...]) -> str:
    """Every row of ``tables`` as one string: per table, its row count and the sum of its rows' 64-bit hashes
    (DuckDB's ``hash`` of the whole row), a digest of the rows as a multiset, whatever their order. Computed
    in the database: fetching the demo's 2.7 M metric rows into Python took 8 s a call."""
    from store.db import run_read

    def digest(con) -> str:
        parts = []
        for table in tables:
            count, total = con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} AS t").fetchone()
            parts.append(f"{table}:{count}:{total}")
        return " ".join(parts)

    return run_read(path, digest)
