"""Breakeven pricing engine: pure cost models over price sheets with provenance.

Imports nothing of Breakeven's outside this package. The dashboard calls the names below; see
docs/pricing.md for the API, the CLI and the file formats.
"""

from pricing.alternatives import endpoint_to_faas, faas_to_endpoint, to_serverless
from pricing.assumptions import AlternativeResult, Assumption
from pricing.aws import estimate_lambda, estimate_sagemaker_endpoint, estimate_sagemaker_serverless
from pricing.book import FreeTier, MachineSpec, Price, PriceBook, Source, load_price_book
from pricing.breakeven import BreakEvenResult, break_even
from pricing.compare import Comparison, compare, parse_compare_input
from pricing.errors import MissingPriceError, PricingError, SheetError, UnknownRegionError, UsageError
from pricing.estimate import estimate
from pricing.gcp import estimate_cloud_functions, estimate_cloud_run, estimate_vertex_endpoint
from pricing.hybrid import hybrid
from pricing.lines import CostLine, Estimate
from pricing.series import UsageSeries, cold_starts_per_month, estimate_cold_starts, flat_series
from pricing.targets import EndpointConfig, FaasConfig
from pricing.usage import (
    AlternativeSpec,
    CloudFunctionsUsage,
    CloudRunUsage,
    LambdaUsage,
    ProvisionedUsage,
    SageMakerEndpointUsage,
    SageMakerServerlessUsage,
    Usage,
    VertexEndpointUsage,
    parse_usage,
)

__all__ = [
    "AlternativeResult",
    "AlternativeSpec",
    "Assumption",
    "BreakEvenResult",
    "CloudFunctionsUsage",
    "CloudRunUsage",
    "Comparison",
    "CostLine",
    "EndpointConfig",
    "Estimate",
    "FaasConfig",
    "FreeTier",
    "LambdaUsage",
    "MachineSpec",
    "MissingPriceError",
    "Price",
    "PriceBook",
    "PricingError",
    "ProvisionedUsage",
    "SageMakerEndpointUsage",
    "SageMakerServerlessUsage",
    "SheetError",
    "Source",
    "UnknownRegionError",
    "Usage",
    "UsageError",
    "UsageSeries",
    "VertexEndpointUsage",
    "break_even",
    "cold_starts_per_month",
    "compare",
    "endpoint_to_faas",
    "estimate",
    "estimate_cloud_functions",
    "estimate_cloud_run",
    "estimate_cold_starts",
    "estimate_lambda",
    "estimate_sagemaker_endpoint",
    "estimate_sagemaker_serverless",
    "estimate_vertex_endpoint",
    "faas_to_endpoint",
    "flat_series",
    "hybrid",
    "load_price_book",
    "parse_compare_input",
    "parse_usage",
    "to_serverless",
]
