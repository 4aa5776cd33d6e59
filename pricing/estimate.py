"""One entry point that prices any service's usage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pricing.aws import estimate_lambda, estimate_sagemaker_endpoint, estimate_sagemaker_serverless
from pricing.book import PriceBook
from pricing.gcp import estimate_cloud_functions, estimate_cloud_run, estimate_vertex_endpoint
from pricing.lines import Estimate
from pricing.usage import Usage

ESTIMATORS: dict[str, Callable[[Any, PriceBook], Estimate]] = {
    "lambda": estimate_lambda,
    "sagemaker-endpoint": estimate_sagemaker_endpoint,
    "sagemaker-serverless": estimate_sagemaker_serverless,
    "cloud-functions": estimate_cloud_functions,
    "cloud-run": estimate_cloud_run,
    "vertex-endpoint": estimate_vertex_endpoint,
}


def estimate(usage: Usage, book: PriceBook) -> Estimate:
    """Price a parsed usage object (see :func:`pricing.usage.parse_usage`)."""
    return ESTIMATORS[usage.service](usage, book)
