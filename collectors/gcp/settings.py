"""The ``kind = "gcp"`` table of ``collectors.toml``: parsing, validation and per-resource overrides.

    [[sources]]
    kind = "gcp"
    name = "ml-prod"
    projects = ["acme-ml"]
    regions = "all"                       # or ["us-central1", "europe-west1"]
    services = ["cloud-functions", "cloud-run", "vertex-endpoint"]
    # credentials_file = "/etc/breakeven/sa.json"   # else Application Default Credentials
    # api_endpoint = "127.0.0.1:8085"                # Cloud Monitoring gRPC host:port
    # insecure = true                                # plaintext, no credentials: emulators and tests
    # run_api_endpoint / aiplatform_api_endpoint     # REST base URLs for configuration

    [[sources.overrides]]                 # values no API gives (or that you know better)
    service = "vertex-endpoint"
    resource = "1234567890"               # the resource name as stored (service name, endpoint id)
    instance_type = "n1-standard-4"

Every error names the file, the source and the key, on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.config import ConfigTable
from collectors.errors import ConfigError
from collectors.gcp.client import Connection
from collectors.gcp.constants import (
    BILLING_INSTANCE,
    BILLING_REQUEST,
    DEFAULT_API_COST_PER_MILLION_SERIES,
    GCP_SERVICES,
    MAX_PAGE_SIZE,
    SAMPLE_PERIOD_S,
    VISIBILITY_LAG_S,
)
from collectors.source import SourceSettings
from common.metrics import CONFIG_FIELDS

PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
REGION = re.compile(r"^[a-z]+-[a-z]+[0-9]+$")
ALL_REGIONS = "all"
OVERRIDE_KEYS = ("service", "resource", "project", "region")
# The lag window must cover the slowest metric's visibility lag plus one sample.
MIN_LAG_MINUTES = -(-(max(VISIBILITY_LAG_S.values()) + SAMPLE_PERIOD_S) // 60)


@dataclass(frozen=True)
class Override:
    """Configuration values for one resource, taken as given and marked assumed."""

    service: str
    resource: str
    project: str | None
    region: str | None
    values: dict[str, Any]

    def matches(self, service: str, project: str, region: str, name: str) -> bool:
        return (
            self.service == service
            and self.resource == name
            and self.project in (None, project)
            and self.region in (None, region)
        )


@dataclass(frozen=True)
class GcpSettings:
    common: SourceSettings
    projects: tuple[str, ...]
    regions: tuple[str, ...] | None  # None: every region
    services: tuple[str, ...]
    connection: Connection
    page_size: int = MAX_PAGE_SIZE
    api_cost_per_million_series: float = DEFAULT_API_COST_PER_MILLION_SERIES
    overrides: tuple[Override, ...] = field(default=())


def _float(table: ConfigTable, key: str, default: float, minimum: float) -> float:
    value = table._get(key, default)  # ConfigTable has no float reader
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise table.error(key, f"expected a number of at least {minimum}, got {value!r}")
    return float(value)


def _override_value(table: ConfigTable, key: str) -> Any:
    sql_type = CONFIG_FIELDS[key]
    value = table._get(key, None)
    if sql_type == "INTEGER" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise table.error(key, f"expected a whole number ≥ 0, got {value!r}")
    if sql_type == "DOUBLE":
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise table.error(key, f"expected a positive number, got {value!r}")
        value = float(value)
    if sql_type == "VARCHAR" and (not isinstance(value, str) or not value):
        raise table.error(key, f"expected a non-empty string, got {value!r}")
    if key == "billing_mode" and value not in (BILLING_REQUEST, BILLING_INSTANCE):
        raise table.error(key, f"{value!r} is not {BILLING_REQUEST!r} or {BILLING_INSTANCE!r}")
    return value


def _overrides(table: ConfigTable, projects: tuple[str, ...], services: tuple[str, ...]) -> tuple[Override, ...]:
    raw = table._get("overrides", [])  # a list of tables: no typed reader
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise table.error("overrides", "expected [[sources.overrides]] tables")
    result = []
    for index, item in enumerate(raw, start=1):
        sub = ConfigTable(item, f"{table.where}: overrides #{index}")
        service = sub.string("service", choices=services)
        resource = sub.string("resource")
        project = sub.string("project", None)
        if project is not None and project not in projects:
            raise sub.error("project", f"{project!r} is not one of this source's projects")
        region = sub.string("region", None)
        values = {key: _override_value(sub, key) for key in item if key not in OVERRIDE_KEYS and key in CONFIG_FIELDS}
        sub.finish()
        if not values:
            raise ConfigError(f"{sub.where}: no configuration value to override (e.g. memory_mb, instance_type)")
        result.append(Override(service, resource, project, region, values))
    return tuple(result)


def parse_settings(table: ConfigTable) -> GcpSettings:
    common = table.settings(lag_minutes=30, period_seconds=300, first_run_days=7, min_lag_minutes=MIN_LAG_MINUTES)
    projects = tuple(table.string_list("projects"))
    for project in projects:
        if not PROJECT_ID.match(project):
            raise table.error("projects", f"{project!r} is not a project id (6-30 lowercase letters, digits, '-')")
    raw_regions = table._get("regions", ALL_REGIONS)  # "all" or a list
    if raw_regions == ALL_REGIONS:
        regions = None
    else:
        regions = tuple(table.string_list("regions"))
        bad = [r for r in regions if not REGION.match(r)]
        if bad:
            raise table.error("regions", f'{bad[0]!r} is not a region name (e.g. us-central1), nor "all"')
    services = tuple(table.string_list("services", list(GCP_SERVICES), choices=GCP_SERVICES))
    credentials_file = table.string("credentials_file", None)
    api_endpoint = table.string("api_endpoint", None)
    insecure = table.boolean("insecure", False)
    if insecure and not api_endpoint:
        raise table.error("insecure", "insecure = true needs api_endpoint (an emulator or test server)")
    if insecure and credentials_file:
        raise table.error("insecure", "insecure connections send no credentials; remove credentials_file")
    run_api = table.string("run_api_endpoint", None)
    vertex_api = table.string("aiplatform_api_endpoint", None)
    for key, url in (("run_api_endpoint", run_api), ("aiplatform_api_endpoint", vertex_api)):
        if url and not url.startswith(("https://", "http://")):
            raise table.error(key, f"{url!r} must be a base URL (https://...)")
        if url and url.startswith("http://") and not insecure:
            raise table.error(key, "plain http:// is only allowed with insecure = true")
    timeout = _float(table, "timeout_seconds", 20.0, 1.0)
    page_size = table.integer("page_size", MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    cost = _float(table, "api_cost_per_million_series", DEFAULT_API_COST_PER_MILLION_SERIES, 0.0)
    overrides = _overrides(table, projects, services)
    connection = Connection(
        api_endpoint=api_endpoint,
        insecure=insecure,
        credentials_file=Path(credentials_file) if credentials_file else None,
        run_api_endpoint=run_api,
        aiplatform_api_endpoint=vertex_api,
        timeout_s=timeout,
    )
    return GcpSettings(
        common=common,
        projects=projects,
        regions=regions,
        services=services,
        connection=connection,
        page_size=page_size,
        api_cost_per_million_series=cost,
        overrides=overrides,
    )
