"""Fixtures for the GCP collector tests: the fake Monitoring gRPC server, the fake REST APIs, the seeded
estate and a config writer. Each fixture stops what it started."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common import retry
from tests.gcp.estate import seed_monitoring, seed_rest
from tests.gcp.fake_monitoring import FakeMetricService, RunningServer, start_server
from tests.gcp.fake_rest import FakeRest, RunningRest, start_rest

HOURS = 3
VERTEX_OVERRIDE = """
[[sources.overrides]]
service = "vertex-endpoint"
resource = "222"
vcpu = 2
instance_type = "n1-standard-2"
"""


@pytest.fixture
def monitoring() -> Iterator[RunningServer]:
    server = start_server(FakeMetricService())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rest() -> Iterator[RunningRest]:
    server = start_rest(FakeRest())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(retry, "pause", waited.append)
    return waited


@pytest.fixture
def base() -> datetime:
    """An hour boundary a day ago: well inside Cloud Monitoring's retention, and in the past."""
    return (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def estate(monitoring: RunningServer, rest: RunningRest, base: datetime) -> tuple[RunningServer, RunningRest]:
    seed_monitoring(monitoring.service, base, HOURS)
    seed_rest(rest.fake)
    return monitoring, rest


def gcp_config(tmp_path: Path, monitoring: RunningServer, rest: RunningRest, extra: str = "", **keys: str) -> Path:
    """A collectors.toml with one gcp source pointed at the fakes; ``keys`` replace or add source keys."""
    values = {
        "kind": '"gcp"',
        "name": '"ml-prod"',
        "projects": '["acme-ml", "acme-ml-2"]',
        "period_seconds": "3600",
        "api_endpoint": f'"{monitoring.address}"',
        "insecure": "true",
        "run_api_endpoint": f'"{rest.url}"',
        "aiplatform_api_endpoint": f'"{rest.url}"',
        "page_size": "7",
        **keys,
    }
    body = "\n".join(f"{k} = {v}" for k, v in values.items() if v is not None)
    overrides = VERTEX_OVERRIDE
    path = tmp_path / "collectors.toml"
    path.write_text(f'db = "test.duckdb"\n[[sources]]\n{body}\n{overrides}{extra}')
    return path


def window_args(base: datetime, hours: int = HOURS) -> list[str]:
    start = base.replace(tzinfo=None)
    return ["--since", start.isoformat(), "--until", (start + timedelta(hours=hours)).isoformat()]
