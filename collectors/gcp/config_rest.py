"""Configuration pricing needs, from the Cloud Run Admin API v2 and the Vertex AI API v1 (REST).

Plain REST with google-auth's ``AuthorizedSession`` is the lightest dependable client: two list calls,
no extra packages. Every value says where it came from: read from the API, or *assumed* (the
platform's documented default when the API leaves a field out, or the user's override). Assumed
fields are listed in ``ConfigRecord.assumed`` so the pages can say so.

Cloud Run (``GET /v2/projects/{p}/locations/{l}/services``; the ``-`` location wildcard is refused by
v2, so each location is listed on its own):
- vCPU and memory: the sum of the containers' ``resources.limits`` (sidecars are billed too);
- min/max instances: ``template.scaling``; a service-level ``scaling.minInstanceCount`` wins when set;
- billing mode: ``resources.cpuIdle`` false → instance-based, true → request-based; the v1
  annotation ``run.googleapis.com/cpu-throttling: "false"`` is honoured when present;
- concurrency: ``template.maxInstanceRequestConcurrency``; GPUs from ``nvidia.com/gpu`` limits.

Vertex AI (``GET https://{l}-aiplatform.googleapis.com/v1/projects/{p}/locations/{l}/endpoints``): each
deployed model's ``dedicatedResources`` (machine type, accelerator type and count, min/max replicas).
An endpoint is one resource; its configuration sums the deployed models' replicas and takes their
machine type when they share one (otherwise the one with most traffic, marked assumed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from collectors.gcp.constants import BILLING_INSTANCE, BILLING_REQUEST, CPU_THROTTLING_ANNOTATION
from collectors.gcp.machines import machine_vcpus
from common.retry import RetryPolicy, call_with_retry

# Cloud Run's documented defaults when a field is absent (assumed, and marked so).
RUN_DEFAULTS: dict[str, Any] = {"vcpu": 1.0, "memory_mb": 512, "min_instances": 0, "max_instances": 100}
RETRY_STATUSES = (429, 500, 502, 503, 504)
NO_MACHINE_TYPE = "no machine type in the API; give instance_type and vcpu in the source's overrides"


class ConfigFetchError(Exception):
    """A configuration API call failed for good; the message is one line with the HTTP status."""


@dataclass
class FoundConfig:
    """One resource's configuration: values, the fields that were assumed, and readable notes."""

    name: str
    region: str
    values: dict[str, Any] = field(default_factory=dict)
    assumed: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    deployed_model_vcpus: dict[str, float] = field(default_factory=dict)  # Vertex: deployed model -> vCPUs


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_MEMORY_FACTORS = {
    None: 1,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
}


def parse_cpu(text: str) -> float | None:
    """Kubernetes CPU quantity ("1", "2", "1000m", "0.5") → vCPUs."""
    match = _CPU.match(str(text).strip())
    if not match:
        return None
    value = float(match[1])
    return value / 1000.0 if match[2] else value


def parse_memory_mb(text: str) -> int | None:
    """Kubernetes memory quantity ("512Mi", "1Gi", "2G") → MiB, rounded (Lambda's MB are MiB too)."""
    match = _MEMORY.match(str(text).strip())
    if not match:
        return None
    return round(float(match[1]) * _MEMORY_FACTORS[match[2]] / 1024**2)


class _RetryableStatus(Exception):
    """A 429 or 5xx answer, raised only so ``common.retry`` tries again; the last one is reported as HTTP."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _get(
    session: requests.Session,
    url: str,
    params: dict[str, Any],
    *,
    timeout_s: float,
    count_call: Callable[[], None],
    attempts: int,
) -> requests.Response:
    """One page, with bounded jittered retries on network errors, 429 and 5xx (``common.retry``)."""
    policy = RetryPolicy("rest", attempts=attempts, base_delay_s=0.5, max_delay_s=8.0)

    def once() -> requests.Response:
        count_call()
        response = session.get(url, params=params, timeout=(min(5.0, timeout_s), timeout_s))
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatus(response)
        return response

    def classify(exc: BaseException) -> RetryPolicy | None:
        return policy if isinstance(exc, requests.RequestException | _RetryableStatus) else None

    try:
        return call_with_retry(once, classify)
    except _RetryableStatus as exc:
        return exc.response  # still refused after the last try: reported below as the HTTP error it is
    except requests.RequestException as exc:
        raise ConfigFetchError(f"{type(exc).__name__} reaching {_host(url)}") from None


def _paged(
    session: requests.Session,
    url: str,
    items_key: str,
    *,
    timeout_s: float,
    count_call: Callable[[], None],
    attempts: int = 3,
) -> Iterator[dict[str, Any]]:
    """GET every page of a Google list API, following ``nextPageToken``; bounded retries on 429/5xx."""
    token = ""
    while True:
        params = {"pageSize": 500, **({"pageToken": token} if token else {})}
        response = _get(session, url, params, timeout_s=timeout_s, count_call=count_call, attempts=attempts)
        if response.status_code != 200:
            raise ConfigFetchError(f"HTTP {response.status_code} {_error_status(response)} from {_host(url)}")
        try:
            body = response.json()
        except ValueError:
            raise ConfigFetchError(f"{_host(url)} returned a body that is not JSON") from None
        yield from body.get(items_key, []) or []
        token = body.get("nextPageToken") or ""
        if not token:
            return


def _host(url: str) -> str:
    return url.split("/v1/")[0].split("/v2/")[0]


def _error_status(response: requests.Response) -> str:
    """Google's error ``status`` (e.g. PERMISSION_DENIED); the message itself may be long."""
    try:
        return str(response.json().get("error", {}).get("status", "")) or response.reason or ""
    except ValueError:
        return response.reason or ""


def list_run_services(
    session: requests.Session,
    base_url: str,
    project: str,
    location: str,
    *,
    timeout_s: float,
    count_call: Callable[[], None],
) -> list[FoundConfig]:
    url = f"{base_url}/v2/projects/{project}/locations/{location}/services"
    docs = _paged(session, url, "services", timeout_s=timeout_s, count_call=count_call)
    return [parse_run_service(doc, location) for doc in docs if doc.get("name")]


def _last_segment(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def parse_run_service(doc: dict[str, Any], location: str) -> FoundConfig:
    """One Cloud Run v2 ``Service`` → the configuration fields pricing needs."""
    found = FoundConfig(name=_last_segment(doc.get("name", "")), region=location)
    template = doc.get("template") or {}
    containers = template.get("containers") or []
    cpus = [parse_cpu(c.get("resources", {}).get("limits", {}).get("cpu", "")) for c in containers]
    mems = [parse_memory_mb(c.get("resources", {}).get("limits", {}).get("memory", "")) for c in containers]
    values = found.values
    if containers and all(v is not None for v in cpus):
        values["vcpu"] = float(sum(cpus))  # type: ignore[arg-type]
    if containers and all(v is not None for v in mems):
        values["memory_mb"] = int(sum(mems))  # type: ignore[arg-type]
    scaling = template.get("scaling") or {}
    service_scaling = doc.get("scaling") or {}
    min_instances = service_scaling.get("minInstanceCount") or scaling.get("minInstanceCount")
    if min_instances is not None:
        values["min_instances"] = int(min_instances)
    if scaling.get("maxInstanceCount") is not None:
        values["max_instances"] = int(scaling["maxInstanceCount"])
    if template.get("maxInstanceRequestConcurrency") is not None:
        values["max_concurrency"] = int(template["maxInstanceRequestConcurrency"])
    gpus = sum(int(c.get("resources", {}).get("limits", {}).get("nvidia.com/gpu", 0) or 0) for c in containers)
    if gpus:
        values["accelerator_count"] = gpus
        accelerator = (template.get("nodeSelector") or {}).get("accelerator")
        if accelerator:
            values["accelerator_type"] = accelerator
    mode = _run_billing_mode(doc, template, containers)
    if mode is not None:
        values["billing_mode"] = mode
    condition = (doc.get("terminalCondition") or {}).get("state")
    if condition:
        values["status"] = condition
    for key, default in RUN_DEFAULTS.items():
        if key not in values:
            values[key] = default
            found.assumed.add(key)
    if "billing_mode" not in values:
        values["billing_mode"] = BILLING_REQUEST  # Cloud Run's default: CPU only during requests
        found.assumed.add("billing_mode")
    return found


def _run_billing_mode(doc: dict[str, Any], template: dict[str, Any], containers: list[dict[str, Any]]) -> str | None:
    idle_flags = [c.get("resources", {}).get("cpuIdle") for c in containers]
    if any(flag is False for flag in idle_flags):
        return BILLING_INSTANCE
    if any(flag is True for flag in idle_flags):
        return BILLING_REQUEST
    for notes in (template.get("annotations") or {}, doc.get("annotations") or {}):
        throttling = notes.get(CPU_THROTTLING_ANNOTATION)
        if throttling is not None:
            return BILLING_INSTANCE if str(throttling).lower() == "false" else BILLING_REQUEST
    return None


def list_vertex_endpoints(
    session: requests.Session,
    base_url: str,
    project: str,
    location: str,
    *,
    timeout_s: float,
    count_call: Callable[[], None],
) -> list[FoundConfig]:
    url = f"{base_url}/v1/projects/{project}/locations/{location}/endpoints"
    docs = _paged(session, url, "endpoints", timeout_s=timeout_s, count_call=count_call)
    return [parse_vertex_endpoint(doc, location) for doc in docs if doc.get("name")]


def parse_vertex_endpoint(doc: dict[str, Any], location: str) -> FoundConfig:
    """One Vertex AI ``Endpoint`` → machine type, accelerators and replica bounds over its deployed models."""
    found = FoundConfig(name=_last_segment(doc.get("name", "")), region=location)
    models = doc.get("deployedModels") or []
    traffic = {k: float(v) for k, v in (doc.get("trafficSplit") or {}).items()}
    specs = []
    bounds: list[dict[str, Any]] = []  # each deployed model's replica bounds, whatever its resources
    for model in models:
        model_id = str(model.get("id", ""))
        dedicated = model.get("dedicatedResources")
        if dedicated is None:
            kind = "automaticResources" if "automaticResources" in model else "sharedResources"
            found.notes.append(f"deployed model {model_id} uses {kind}: {NO_MACHINE_TYPE}")
            if kind == "automaticResources":
                bounds.append(model["automaticResources"] or {})
            continue
        bounds.append(dedicated)
        machine = dedicated.get("machineSpec") or {}
        spec = (
            machine.get("machineType"),
            machine.get("acceleratorType") or None,
            int(machine.get("acceleratorCount") or 0) or None,
        )
        specs.append((traffic.get(model_id, 0.0), model_id, spec))
        vcpus = machine_vcpus(spec[0])
        if vcpus:
            found.deployed_model_vcpus[model_id] = vcpus
    values = found.values
    if bounds:
        values["min_instances"] = sum(int(b.get("minReplicaCount") or 0) for b in bounds)
        # maxReplicaCount defaults to minReplicaCount when unset (Vertex AI API reference).
        values["max_instances"] = sum(int(b.get("maxReplicaCount") or b.get("minReplicaCount") or 0) for b in bounds)
    if not specs:
        return found
    distinct = {spec for _, _, spec in specs}
    _, _, chosen = max(specs, key=lambda s: (s[0], s[1]))
    if len(distinct) > 1:
        found.assumed.update({"instance_type", "accelerator_type", "accelerator_count", "vcpu"})
        found.notes.append(
            f"deployed models use different machines ({', '.join(sorted(str(s[0]) for s in distinct))}); "
            f"the configuration shows {chosen[0]} (most traffic)"
        )
    machine_type, accelerator_type, accelerator_count = chosen
    if machine_type:
        values["instance_type"] = machine_type
        vcpus = machine_vcpus(machine_type)
        if vcpus:
            values["vcpu"] = vcpus
    if accelerator_type:
        values["accelerator_type"] = accelerator_type
        values["accelerator_count"] = accelerator_count
    return found
