"""Calibration: the rates the demo's sample bills imply, as overrides the pricing engine takes, and proof that
the model priced at them reproduces the bill."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from analysis.calibrate import calibrate, to_overrides, to_toml
from analysis.reconcile import reconcile
from analysis.reconcile_model import current_model
from demo.bills.constants import SEARCH_RERANK_RATE, TRANSLATE_SP_DISCOUNT
from demo.profiles import AWS_PROD, AWS_RESEARCH
from pricing import load_price_book
from pricing.overrides import apply_overrides, parse_overrides

START, END = date(2026, 11, 1), date(2026, 11, 28)
HOURS = 28 * 24


@pytest.fixture(scope="module")
def before(demo_billed_template: Path):
    return reconcile(demo_billed_template, START, END, current_model(demo_billed_template, load_price_book()))


def test_the_bill_implies_a_price_override_and_commitment_discounts(before) -> None:
    found = {(c.kind, c.service, c.region, c.usage_class): c for c in calibrate(before)}
    override = found[("override", "sagemaker-endpoint", "eu-west-1", "compute")]
    assert override.items == ("instance/ml.c5.xlarge",) and override.usd == pytest.approx(SEARCH_RERANK_RATE)
    assert "price sheet says $0.204/hour" in override.derivation
    endpoints = found[("discount", "sagemaker-endpoint", "us-east-1", "compute")]
    # One plan covers translate-inf2 (account 444455556666); the other endpoints of the region pay on demand.
    on_demand = HOURS * (0.23 + 1.4084 + 0.99)
    assert endpoints.percent == pytest.approx(100 * TRANSLATE_SP_DISCOUNT * HOURS * 0.99 / on_demand, abs=0.01)
    assert set(endpoints.items) == {"instance/ml.m5.xlarge", "instance/ml.g5.xlarge", "instance/ml.inf2.xlarge"}
    assert ("discount", "lambda", "us-east-1", "compute") in found
    assert ("discount", "cloud-run", "us-central1", "compute-cpu-idle") in found
    assert not any(c.usage_class == "requests" for c in found.values())  # no plan covers request charges
    assert not any(c.service == "cloud-functions" for c in found.values())  # free tier credits are not a rate


def test_the_overrides_file_round_trips_and_applies_to_the_price_book(before) -> None:
    calibrations = calibrate(before)
    text = to_toml(calibrations)
    parsed = parse_overrides(tomllib.loads(text), "calibrated.toml")
    expected = to_overrides(calibrations, "calibrated.toml")
    assert parsed == expected
    book = apply_overrides(load_price_book(), parsed)
    price = book.price("sagemaker-endpoint", "instance/ml.c5.xlarge", "eu-west-1")
    assert price.usd == pytest.approx(SEARCH_RERANK_RATE) and price.list_usd == pytest.approx(0.204)
    assert "measured from the bill" in price.source.adjustment


def test_priced_at_the_calibrated_rates_the_model_reproduces_the_bill(before, demo_billed_template: Path) -> None:
    book = apply_overrides(load_price_book(), to_overrides(calibrate(before)))
    after = reconcile(demo_billed_template, START, END, current_model(demo_billed_template, book))
    rerank = after.resource(f"sagemaker-endpoint:{AWS_PROD}:eu-west-1:search-rerank")
    assert before.resource(rerank.resource_id).difference_usd > 45
    assert rerank.difference_usd == pytest.approx(0.0, abs=0.02)

    def group_difference(recon, service: str, region: str) -> float:
        return sum(r.difference_usd for r in recon.resources if r.service == service and r.region == region)

    assert group_difference(before, "sagemaker-endpoint", "us-east-1") == pytest.approx(-133.06, abs=0.01)
    assert group_difference(after, "sagemaker-endpoint", "us-east-1") == pytest.approx(0.0, abs=0.02)
    translate = after.resource(f"sagemaker-endpoint:{AWS_RESEARCH}:us-east-1:translate-inf2")
    assert translate.modelled_usd < before.resource(translate.resource_id).modelled_usd
