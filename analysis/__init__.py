"""What pages and ``report`` show, computed from the store on the replay engine and priced line by line.

    estate = assess_estate(path, filters, ModelParams())        # one small row per resource, the totals
    detail = assess_resource(path, resource_id, filters, params)  # one resource in full

docs/architecture.md ("Three hops") says where each number comes from.

The names below are imported on first use (PEP 562), not with the package: a page that replays nothing
(the Overview reading a stored summary) imports ``analysis.<module>`` without paying for the engine and
scipy behind ``assess_estate`` and ``assess_resource``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.detail import assess_resource
    from analysis.estate import assess_estate
    from analysis.params import ModelParams, ParamsError
    from analysis.types import EstateAssessment, ResourceDetail, ResourceRow, Totals

# each public name and the submodule that defines it
_WHERE = {
    "EstateAssessment": "analysis.types",
    "ModelParams": "analysis.params",
    "ParamsError": "analysis.params",
    "ResourceDetail": "analysis.types",
    "ResourceRow": "analysis.types",
    "Totals": "analysis.types",
    "assess_estate": "analysis.estate",
    "assess_resource": "analysis.detail",
}

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


def __getattr__(name: str) -> Any:
    """``analysis.<name>`` for a public name: its submodule imported now, the name kept on the package."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
