"""Usage classes: the common ground between a bill's usage types and the cost model's price items.

A bill says ``USE1-Lambda-GB-Second`` or "CPU Allocation Time"; the model says ``duration-x86_64`` or
``request-cpu``. Reconciliation compares them class by class (requests, compute, provisioned concurrency,
data transfer…), so a difference can be put down to a price, a quantity, or usage the model does not price
at all. The billed usage-type spellings are **third-party** (seen in public CUR queries and billing-export
examples); a usage type no rule knows falls in ``other`` and is shown as billed usage the model does not cover.
"""

from __future__ import annotations

CLASS_LABELS: dict[str, str] = {
    "requests": "requests",
    "compute": "compute (duration / instance time)",
    "compute-cpu": "CPU time",
    "compute-memory": "memory time",
    "compute-cpu-idle": "idle min-instance CPU time",
    "compute-memory-idle": "idle min-instance memory time",
    "provisioned-concurrency": "provisioned concurrency",
    "provisioned-duration": "duration on provisioned concurrency",
    "storage": "storage",
    "data-transfer": "data transfer",
    "data-processing": "data processed in/out",
    "accelerator": "accelerators (GPU)",
    "other": "other usage",
}

_LAMBDA = (
    ("provisioned-concurrency", "provisioned-concurrency"),
    ("provisioned-gb-second", "provisioned-duration"),
    ("provisioned-duration", "provisioned-duration"),
    ("request", "requests"),
    ("storage", "storage"),
    ("gb-second", "compute"),
    ("datatransfer", "data-transfer"),
    ("bytes", "data-transfer"),
)
_SAGEMAKER = (
    ("serverlessinf:mem", "compute"),
    ("serverlessinf:data", "data-processing"),
    ("host:", "compute"),
    ("hosting", "compute"),
    ("datatransfer", "data-transfer"),
    ("bytes", "data-transfer"),
    ("storage", "storage"),
    ("volume", "storage"),
)
_GCP_SERVERLESS = (
    ("idle min-instance cpu", "compute-cpu-idle"),
    ("idle min-instance memory", "compute-memory-idle"),
    ("request", "requests"),
    ("invocation", "requests"),
    ("egress", "data-transfer"),
    ("network", "data-transfer"),
    ("data transfer", "data-transfer"),
    ("cpu", "compute-cpu"),
    ("memory", "compute-memory"),
)
_VERTEX = (
    ("gpu", "accelerator"),
    ("nvidia", "accelerator"),
    ("tpu", "accelerator"),
    ("egress", "data-transfer"),
    ("network", "data-transfer"),
)
BILLED_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "lambda": _LAMBDA,
    "sagemaker": _SAGEMAKER,
    "cloud-run": _GCP_SERVERLESS,
    "cloud-functions": _GCP_SERVERLESS,
    "vertex": _VERTEX,
}
DEFAULT_CLASS = {"vertex": "compute"}  # Vertex prediction SKUs name the machine, not "node hours"

MODEL_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "lambda": (
        ("requests-", "requests"),
        ("duration-", "compute"),
        ("provisioned-concurrency-", "provisioned-concurrency"),
        ("provisioned-duration-", "provisioned-duration"),
        ("ephemeral-storage-", "storage"),
    ),
    "sagemaker-endpoint": (("instance/", "compute"),),
    "sagemaker-serverless": (("duration/", "compute"), ("data-", "data-processing")),
    "cloud-functions": (("invocations", "requests"), ("memory", "compute-memory"), ("cpu", "compute-cpu")),
    "cloud-run": (
        ("idle-min-cpu", "compute-cpu-idle"),
        ("idle-min-memory", "compute-memory-idle"),
        ("requests", "requests"),
        ("-cpu", "compute-cpu"),
        ("-memory", "compute-memory"),
    ),
    "vertex-endpoint": (("machine/", "compute"),),
}
_MODEL_MATCH_ANYWHERE = {"cloud-run", "cloud-functions"}

UNITS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("gb-second", "gb-seconds", "gib-second", "gib-seconds", "gigabyte second", "gibibyte second", "gb-sec"),
        "GB-second",
    ),
    (("vcpu-second", "vcpu-seconds", "vcpu second"), "vCPU-second"),
    (("ghz-second", "ghz-seconds"), "GHz-second"),
    (("request", "requests", "invocation", "invocations"), "request"),
    (("hrs", "hr", "hour", "hours", "instance-hour", "instance-hours", "node-hour", "node hour"), "hour"),
    (("second", "seconds", "s", "sec"), "second"),
    (("gb", "gib", "gigabyte", "gibibyte"), "GB"),
)


def billed_class(family: str | None, usage_type: str | None) -> str:
    """The class of a billed usage type (``other`` when no rule of the service knows it)."""
    if not family:
        return "other"
    text = (usage_type or "").lower()
    for needle, cls in BILLED_RULES.get(family, ()):
        if needle in text:
            return cls
    return DEFAULT_CLASS.get(family, "other")


def model_class(service: str, price_item: str) -> str:
    """The class of a model line, from its price item (``duration-x86_64`` → compute)."""
    for needle, cls in MODEL_RULES.get(service, ()):
        if price_item.startswith(needle) or (service in _MODEL_MATCH_ANYWHERE and needle in price_item):
            return cls
    if service == "cloud-functions" and price_item == "egress":
        return "data-transfer"
    return "other"


def canonical_unit(unit: str | None) -> str | None:
    """One spelling per unit, so a billed quantity and a modelled one can be compared (or not)."""
    if not unit:
        return None
    text = unit.strip().lower()
    for spellings, canonical in UNITS:
        if text in spellings:
            return canonical
    if "gb-second" in text or "gib-second" in text:  # e.g. "Lambda-GB-Second", "Lambda-GB-Second-ARM"
        return "GB-second"
    if "vcpu" in text and "second" in text:
        return "vCPU-second"
    return text
