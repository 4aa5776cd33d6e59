"""The bundled price sheets: provenance on every price, the regions and types the issue asks for."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pricing import SheetError
from pricing.book import CONFIDENCE_LEVELS, build_book

PACKAGE = Path(__file__).resolve().parents[2] / "pricing"


def test_every_price_has_provenance(book):
    for price in book.prices.values():
        assert price.source.url.startswith("https://"), price.key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.source.retrieved), price.key
        assert price.source.confidence in CONFIDENCE_LEVELS, price.key
        assert price.unit and price.usd >= 0, price.key


def test_required_regions_are_priced(book):
    for service in ("lambda", "sagemaker-endpoint", "sagemaker-serverless"):
        assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(book.regions(service))
    for service in ("cloud-functions", "cloud-run", "vertex-endpoint"):
        assert {"us-central1", "europe-west1"} <= set(book.regions(service))


def test_sagemaker_has_cpu_gpu_and_inferentia_types(book):
    types = book.machine_types("sagemaker-endpoint", "us-east-1")
    assert len(types) >= 10
    accelerators = {spec.accelerator for spec, _ in types}
    assert any("GPU" in a for a in accelerators) and any("Inferentia" in a for a in accelerators)
    assert any(not spec.accelerator for spec, _ in types)


def test_unconfirmed_and_derived_prices_are_flagged(book):
    derived = book.price("sagemaker-endpoint", "instance/ml.m5.4xlarge", "us-east-1")
    assert derived.source.confidence == "unconfirmed" and "derived" in derived.source.note
    assert book.price("lambda", "duration-x86_64", "us-east-1").source.confidence == "verified"


def test_listing_regions_and_types(book):
    assert book.regions("vertex-endpoint") == ["europe-west1", "us-central1"]
    assert next(spec.name for spec, _ in book.machine_types("vertex-endpoint", "us-central1")) == "n1-standard-2"


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ({"provider": "azure"}, "provider must be one of"),
        (
            {
                "provider": "aws",
                "sources": {},
                "prices": [
                    {"service": "lambda", "item": "x", "region": "r", "unit": "u", "usd": 1, "source": "nowhere"}
                ],
            },
            "unknown source",
        ),
        (
            {
                "provider": "aws",
                "sources": {"s": {"url": "https://x", "retrieved": "2026-01-01", "confidence": "maybe"}},
                "prices": [{"service": "lambda", "item": "x", "region": "r", "unit": "u", "usd": 1, "source": "s"}],
            },
            "confidence must be one of",
        ),
        (
            {
                "provider": "aws",
                "sources": {"s": {"url": "https://x", "retrieved": "2026-01-01", "confidence": "verified"}},
                "prices": [
                    {"service": "lambda", "item": "x", "region": "r", "unit": "u", "tiers": [[5, 1]], "source": "s"}
                ],
            },
            "tiers must start at 0",
        ),
    ],
)
def test_malformed_sheets_are_rejected(sheet, message):
    with pytest.raises(SheetError, match=message):
        build_book([("sheet.json", sheet)])


def test_pricing_imports_nothing_of_ours_nor_cloud_sdks():
    # Import the package in a clean interpreter: no store/collectors/streamlit/duckdb, and no boto3 or
    # google-cloud-billing until a refresh is asked for.
    code = (
        "import sys, pricing, pricing.estimate, pricing.compare, pricing.refresh; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'store', 'collectors', 'streamlit', 'duckdb', 'boto3', 'botocore'} or m.startswith('google.cloud')]; "
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_cloud_sdks_only_in_the_refresh_seams():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                root = name.split(".")[0]
                assert root not in {"store", "collectors", "streamlit", "duckdb"}, path
                if root in {"boto3", "botocore"} or name.startswith("google"):
                    assert path.parent.name == "refresh", f"{path.name} imports {name}"
