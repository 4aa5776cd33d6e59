"""Fixtures for the collector tests: the local AWS (session-wide), a clean state per test, configs.

``aws_server`` → ``aws_env`` (reset moto, fake credentials from a temporary shared-credentials file)
→ ``aws_config`` (a collectors.toml pointing at it).
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.collectors.aws_fake import AwsLayer, FakeAwsServer, install_percentiles

SECRET_KEY = "bEsEcReT0123456789abcdefTESTONLYsecretKEY"  # distinctive, so a leak is easy to find
ACCESS_KEY = "AKIABREAKEVENTESTKEY1"


@pytest.fixture(autouse=True)
def _restore_collectors_logger() -> Iterator[None]:
    """``python -m collectors run`` configures the ``collectors`` logger; undo it after each test."""
    logger = logging.getLogger("collectors")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture(scope="session")
def aws_server() -> Iterator[FakeAwsServer]:
    install_percentiles()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = FakeAwsServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server
    server.stop()


@dataclass
class AwsEnv:
    url: str
    layer: AwsLayer
    home: Path


@pytest.fixture
def aws_env(aws_server: FakeAwsServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AwsEnv:
    host, port = aws_server.get_host_and_port()
    url = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()
    home = tmp_path / "aws"
    home.mkdir()
    (home / "credentials").write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
        f"[other]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
    )
    (home / "config").write_text("[default]\nregion = us-east-1\n[profile other]\nregion = us-east-1\n")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return AwsEnv(url=url, layer=aws_server.layer, home=home)


ConfigWriter = Callable[..., Path]


@pytest.fixture
def aws_config(aws_env: AwsEnv, tmp_path: Path) -> ConfigWriter:
    """Write a collectors.toml for the local AWS; keyword arguments become extra source keys."""

    def write(regions: tuple[str, ...] = ("us-east-1",), extra: str = "", **keys: object) -> Path:
        lines = ['db = "breakeven.duckdb"', "[[sources]]", 'kind = "aws"', 'name = "test"']
        keys = {"regions": list(regions), "endpoint_url": aws_env.url, "max_attempts": 3, **keys}
        for key, value in keys.items():
            rendered = str(value).lower() if isinstance(value, bool) else repr(value).replace("'", '"')
            lines.append(f"{key} = {rendered}")
        path = tmp_path / "collectors.toml"
        path.write_text("\n".join(lines) + "\n" + extra)
        return path

    return write
