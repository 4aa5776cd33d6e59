"""The vectorised rates agree with the scalar estimators that price every shown line."""

from __future__ import annotations

import numpy as np
import pytest

from pricing import LambdaUsage, estimate
from pricing.book import load_price_book
from pricing.lines import tiered_cost
from pricing.usage import CloudFunctionsUsage
from pricing.vectorised import cloud_functions_rates, lambda_rates, machine_hour_usd, tiered_usd

BOOK = load_price_book(use_env=False)


def test_tiered_usd_matches_the_scalar_tier_arithmetic() -> None:
    tiers = BOOK.price("lambda", "duration-x86_64", "us-east-1").tiers
    quantities = np.array([0.0, 1.0, 5.9e9, 6e9, 6.1e9, 1.4e10, 1.6e10, 9e10])
    expected = [tiered_cost(tiers, q) for q in quantities]
    assert tiered_usd(tiers, quantities) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_lambda_rates_price_like_the_estimator(architecture: str) -> None:
    rates = lambda_rates(BOOK, "us-east-1", architecture)
    for requests, ms, memory in ((3e6, 120.0, 1024), (2e9, 400.0, 3008), (0.0, 0.0, 128)):
        usage = LambdaUsage(memory, requests, ms, architecture, 512, None, "us-east-1", False)
        truth = estimate(usage, BOOK).total_exact_usd
        gb_seconds = requests * ms / 1000 * memory / 1024
        assert rates.monthly_usd(np.array(requests), np.array(gb_seconds)) == pytest.approx(truth, rel=1e-12)


def test_cloud_functions_rates_price_like_the_estimator_at_whole_increments() -> None:
    rates = cloud_functions_rates(BOOK, "us-central1", 1024)
    usage = CloudFunctionsUsage(1024, 5e6, 300.0, 0.0, "us-central1", False)
    truth = estimate(usage, BOOK).total_exact_usd
    gb_seconds = 5e6 * 0.3 * 1.0
    assert rates.monthly_usd(np.array(5e6), np.array(gb_seconds)) == pytest.approx(truth, rel=1e-12)


def test_machine_hour_price_is_the_sheet_price() -> None:
    assert machine_hour_usd(BOOK, "sagemaker-endpoint", "ml.m5.xlarge", "us-east-1") == pytest.approx(0.23)
