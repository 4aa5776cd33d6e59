"""The replay engine: every serving pattern simulated on a resource's measured traffic, as arrays.

Pure (numpy and scipy; of ours only the vocabulary in ``common``): no store, no pages, no clouds. Input
is :class:`Traffic` (an hourly panel shared by all resources, per-minute detail for those that have it),
prepared once with :func:`prepare`; each model returns window totals per resource with the month factor,
the assumptions it rests on, and notes.

    prepared = prepare(Traffic(hourly=hours, minutes=minutes, minute_rows=rows))
    lam = faas(prepared, FaasModel(keep_alive_s=600))          # cold starts, billed ms, init
    curve = floor_curve(prepared, FaasModel(), slots_per_instance=4)   # hybrid / provisioned concurrency
    costs = hybrid_costs(curve, HybridPrices(0.204, lambda_prices, memory_gb=2.0))
    endpoint = autoscale(prepared, measured_capacity(prepared).requests_per_s, ScalingPolicy.sagemaker())

docs/replay.md describes the model and its measured accuracy against exact per-request replays.
"""

from replay.assumptions import Assumption
from replay.breakeven import BreakEven, break_even
from replay.capacity import Capacity, capacity_from_function, measured_capacity
from replay.chunks import chunked
from replay.endpoint import EndpointResult, Limits, ScalingPolicy, autoscale
from replay.faas import FaasResult, faas
from replay.hybrid import (
    CurveCosts,
    FloorCurve,
    HybridOptimum,
    HybridPrices,
    ProvisionedPrices,
    floor_curve,
    hybrid_costs,
    hybrid_optimum,
    provisioned_costs,
)
from replay.model import FaasModel
from replay.prices import FaasPricer, TieredFaasPrices, linear_faas_prices
from replay.rightsize import InstanceTypes, RightSize, demand_quantile, right_size
from replay.serverless import CloudRunResult, ServerlessResult, cloud_run, serverless, serverless_memory_mb
from replay.traffic import Panel, Prepared, Traffic, TrafficError, prepare

__all__ = [
    "Assumption",
    "BreakEven",
    "Capacity",
    "CloudRunResult",
    "CurveCosts",
    "EndpointResult",
    "FaasModel",
    "FaasPricer",
    "FaasResult",
    "FloorCurve",
    "HybridOptimum",
    "HybridPrices",
    "InstanceTypes",
    "Limits",
    "Panel",
    "Prepared",
    "ProvisionedPrices",
    "RightSize",
    "ScalingPolicy",
    "ServerlessResult",
    "TieredFaasPrices",
    "Traffic",
    "TrafficError",
    "autoscale",
    "break_even",
    "capacity_from_function",
    "chunked",
    "cloud_run",
    "demand_quantile",
    "faas",
    "floor_curve",
    "hybrid_costs",
    "hybrid_optimum",
    "linear_faas_prices",
    "measured_capacity",
    "prepare",
    "provisioned_costs",
    "right_size",
    "serverless",
    "serverless_memory_mb",
]
