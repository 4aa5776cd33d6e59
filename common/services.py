"""Services, the serving pattern each belongs to, and the names people read (DESIGN.md, "Data contract")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Provider = Literal["aws", "gcp"]
Pattern = Literal["faas", "endpoint", "serverless-endpoint"]

PROVIDERS: tuple[Provider, ...] = ("aws", "gcp")
PROVIDER_LABELS: dict[str, str] = {"aws": "AWS", "gcp": "Google Cloud"}


@dataclass(frozen=True)
class Service:
    """One service: ``label`` is its full name (filters, tables), ``short`` the name inside a sentence
    ("move to SageMaker endpoint (ml.c5.xlarge)")."""

    name: str
    provider: Provider
    pattern: Pattern
    label: str
    short: str


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("lambda", "aws", "faas", "AWS Lambda", "Lambda"),
        Service("sagemaker-endpoint", "aws", "endpoint", "SageMaker real-time endpoint", "SageMaker endpoint"),
        Service(
            "sagemaker-serverless",
            "aws",
            "serverless-endpoint",
            "SageMaker Serverless Inference",
            "SageMaker Serverless",
        ),
        Service("cloud-functions", "gcp", "faas", "Cloud Functions", "Cloud Functions"),
        Service("cloud-run", "gcp", "faas", "Cloud Run", "Cloud Run"),
        Service("vertex-endpoint", "gcp", "endpoint", "Vertex AI endpoint", "Vertex AI endpoint"),
    )
}

SERVICE_PROVIDER: dict[str, str] = {name: s.provider for name, s in SERVICES.items()}
SERVICE_PATTERN: dict[str, str] = {name: s.pattern for name, s in SERVICES.items()}

PATTERN_LABELS: dict[str, str] = {
    "faas": "FaaS",
    "endpoint": "Managed endpoint",
    "serverless-endpoint": "Serverless endpoint",
    "hybrid": "Hybrid",
}

# The FaaS service an endpoint's traffic would move to, and the endpoint a function would move to, per provider.
FAAS_FOR: dict[str, str] = {"aws": "lambda", "gcp": "cloud-functions"}
ENDPOINT_FOR: dict[str, str] = {"aws": "sagemaker-endpoint", "gcp": "vertex-endpoint"}


def service_label(name: str) -> str:
    """The full name of a service, or the name itself for one we do not know."""
    service = SERVICES.get(name)
    return service.label if service else name


def short_label(name: str) -> str:
    """The in-sentence name of a service (``lambda+sagemaker-endpoint`` names each part)."""
    return " + ".join(SERVICES[part].short if part in SERVICES else part for part in name.split("+"))


def resource_key(service: str, account: str, region: str, name: str) -> str:
    """Stable, readable identity of a resource; used as a URL parameter by the pages too."""
    return f"{service}:{account}:{region}:{name}"
