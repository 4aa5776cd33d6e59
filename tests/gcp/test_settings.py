"""The gcp ``[[sources]]`` table: defaults, and one-line errors naming file, source and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_USAGE
from collectors.config import parse_config
from collectors.errors import ConfigError
from collectors.gcp.source import GcpSource

BASE = 'kind = "gcp"\nname = "ml-prod"\nprojects = ["acme-ml"]\n'
OVR = BASE + '[[sources.overrides]]\nservice = "cloud-run"\nresource = "a"\n'


def parse(body: str) -> GcpSource:
    config = parse_config(f"[[sources]]\n{body}", Path("collectors.toml"))
    return config.sources[0]


def test_defaults():
    source = parse(BASE)
    gcp = source.gcp
    assert gcp.regions is None and gcp.services == ("cloud-functions", "cloud-run", "vertex-endpoint")
    assert source.settings.period_s == 300 and source.settings.lag.total_seconds() == 30 * 60
    assert not gcp.connection.insecure and gcp.connection.credentials_file is None
    assert gcp.page_size == 100_000 and gcp.overrides == ()


def test_overrides_are_typed():
    source = parse(
        BASE + '[[sources.overrides]]\nservice = "cloud-run"\nresource = "api"\nregion = "us-central1"\n'
        'memory_mb = 2048\nvcpu = 1\nbilling_mode = "instance-based"\n'
    )
    (override,) = source.gcp.overrides
    assert override.values == {"memory_mb": 2048, "vcpu": 1.0, "billing_mode": "instance-based"}
    assert override.matches("cloud-run", "acme-ml", "us-central1", "api")
    assert not override.matches("cloud-run", "acme-ml", "europe-west1", "api")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "gcp"\nname = "x"\nprojects = ["Bad_Project"]\n', "projects: 'Bad_Project' is not a project id"),
        (BASE + 'regions = ["mars-north9x"]\n', "regions: 'mars-north9x' is not a region name"),
        (BASE + 'services = ["lambda"]\n', "services: unknown value(s) ['lambda']"),
        (BASE + "insecure = true\n", "insecure: insecure = true needs api_endpoint"),
        (BASE + 'run_api_endpoint = "http://x"\n', "run_api_endpoint: plain http:// is only allowed with insecure"),
        (
            BASE + 'api_endpoint = "h:1"\ninsecure = true\ncredentials_file = "sa.json"\n',
            "insecure connections send no",
        ),
        (BASE + "page_size = 0\n", "page_size: 0 is below the minimum 1"),
        (BASE + "lag_minutes = 2\n", "lag_minutes: 2 is below the minimum 7"),
        (BASE + "colour = 1\n", "unknown key(s) 'colour'"),
        (OVR + "", "no configuration value to override"),
        (OVR + "ram = 1\n", "unknown key(s) 'ram'"),
        (
            BASE + '[[sources.overrides]]\nservice = "cloud-run"\nresource = "a"\nmemory_mb = "2G"\n',
            "memory_mb: expected",
        ),
        (OVR + 'billing_mode = "x"\n', "billing_mode"),
        (
            BASE + '[[sources.overrides]]\nservice = "cloud-run"\nresource = "a"\nproject = "other-1"\nvcpu = 1\n',
            "project",
        ),
    ],
)
def test_errors_name_the_file_source_and_key(body, message):
    with pytest.raises(ConfigError) as info:
        parse(body)
    text = str(info.value)
    assert text.startswith("collectors.toml: [[sources]] #1") and message in text and "\n" not in text


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    cfg = tmp_path / "collectors.toml"
    cfg.write_text(f"[[sources]]\n{BASE}insecure = true\n")
    assert main(["run", "--config", str(cfg)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and "insecure" in err
