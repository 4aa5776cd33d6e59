"""Fixtures for the billing tests: databases with known resources, the demo with its sample bills imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.bills import DEMO_BILL_PREFIX
from demo.bills.constants import CUR_FILE, FOCUS_FILE, GCP_FILE
from store import ensure_database
from store.billing import remove_bills
from store.db import run_read
from store.writes import Batch, ResourceRecord, write_batch
from tests.billing.specimens import ACCOUNT
from tests.conftest import PROJECT_ROOT, copy_database, import_sample_bills, tables_digest

SAMPLES = PROJECT_ROOT / "data" / "samples"
SAMPLE_FILES = (CUR_FILE, FOCUS_FILE, GCP_FILE)
TABLES = ("billing_charges", "uploads", "resources", "metrics")

KNOWN = (
    ResourceRecord("lambda", ACCOUNT, "us-east-1", "scorer"),
    ResourceRecord("lambda", ACCOUNT, "us-east-1", "Scorer-Upper"),
    ResourceRecord("sagemaker-endpoint", ACCOUNT, "us-east-1", "Churn-Endpoint"),
    ResourceRecord("sagemaker-serverless", ACCOUNT, "eu-west-1", "ocr-serverless"),
    ResourceRecord("cloud-run", "acme-prod", "us-central1", "api"),
    ResourceRecord("cloud-functions", "acme-prod", "us-central1", "gen2-fn"),
    ResourceRecord("cloud-functions", "acme-prod", "europe-west1", "gen1-fn"),
    ResourceRecord("vertex-endpoint", "acme-prod", "us-central1", "4455667788"),
)


@pytest.fixture
def billing_db(tmp_path: Path) -> Path:
    """An empty database that knows a handful of resources of every service (and no metrics)."""
    path = tmp_path / "billing.duckdb"
    ensure_database(path)
    write_batch(path, Batch(resources=list(KNOWN)))
    return path


@pytest.fixture(scope="session")
def demo_billed_template(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo estate with only the three committed sample bills (written once per session): its own bills
    (``demo.bills``, every month of its history) are taken out first, so November 2026 is the one billed month
    and the cases of a bill covering part of a window stay what they test."""
    path = copy_database(demo_db_template, tmp_path_factory.mktemp("billed") / "demo-billed.duckdb")
    remove_bills(path, DEMO_BILL_PREFIX)
    return import_sample_bills(path)


@pytest.fixture
def demo_billed(demo_billed_template: Path, tmp_path: Path) -> Path:
    return copy_database(demo_billed_template, tmp_path / "demo-billed.duckdb")


def db_state(path: Path) -> str:
    """A digest of every row of the tables a billing import may touch (``tests.conftest.tables_digest``)."""
    return tables_digest(path, TABLES)


def charges(path: Path, sql: str = "SELECT * FROM billing_charges", params: list | None = None) -> list[dict]:
    def query(con) -> list[dict]:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    return run_read(path, query)
