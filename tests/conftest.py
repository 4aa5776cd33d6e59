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
    """The demo estate written once per session; tests copy it rather than rebuild it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    write_demo(path, end=DEMO_END)
    return path


def copy_database(source: Path, target: Path) -> Path:
    """Copy a closed database file (and its write-ahead log, if any) so a test can change its own copy."""
    shutil.copyfile(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}.wal"))
    return target


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database that a test may change."""
    return copy_database(demo_db_template, tmp_path / "demo.duckdb")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")
