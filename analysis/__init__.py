"""What pages and ``report`` show, computed from the store on the replay engine and priced line by line.

    estate = assess_estate(path, filters, ModelParams())        # one small row per resource, the totals
    detail = assess_resource(path, resource_id, filters, params)  # one resource in full

docs/architecture.md ("Three hops") says where each number comes from.
"""

from analysis.detail import assess_resource
from analysis.estate import assess_estate
from analysis.params import ModelParams, ParamsError
from analysis.types import EstateAssessment, ResourceDetail, ResourceRow, Totals

__all__ = [
    "EstateAssessment",
    "ModelParams",
    "ParamsError",
    "ResourceDetail",
    "ResourceRow",
    "Totals",
    "assess_estate",
    "assess_resource",
]
