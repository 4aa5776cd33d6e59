"""The shared vocabulary: one entry per service, derived maps agree, time helpers, settings in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from common import limits
from common.metrics import METRICS
from common.services import (
    ENDPOINT_FOR,
    FAAS_FOR,
    PATTERN_LABELS,
    SERVICE_PATTERN,
    SERVICE_PROVIDER,
    SERVICES,
    service_label,
    short_label,
)
from common.settings import DEFAULT_DB, SettingsError, resolve_db_path, settings
from common.timeutil import align_down, aware_utc, naive_utc
from common.units import MONTH_HOURS, MONTH_SECONDS


def test_every_service_has_one_entry_and_the_maps_derive_from_it() -> None:
    assert set(SERVICE_PROVIDER) == set(SERVICE_PATTERN) == set(SERVICES)
    for name, service in SERVICES.items():
        assert SERVICE_PROVIDER[name] == service.provider
        assert service.pattern in PATTERN_LABELS
        assert service_label(name) == service.label
    for provider in {s.provider for s in SERVICES.values()}:
        assert SERVICES[FAAS_FOR[provider]].pattern == "faas"
        assert SERVICES[ENDPOINT_FOR[provider]].pattern == "endpoint"


def test_short_labels_name_each_part_of_a_hybrid() -> None:
    assert short_label("lambda+sagemaker-endpoint") == "Lambda + SageMaker endpoint"
    assert short_label("unknown-service") == "unknown-service"


def test_month_is_730_hours_and_limits_are_plain_data() -> None:
    assert MONTH_HOURS == 730 and MONTH_SECONDS == 730 * 3600
    assert limits.LAMBDA_MEMORY_MB == (128, 10240)
    assert "invocations" in METRICS and METRICS["invocations"].rollup == "sum"


def test_naive_and_aware_utc_round_trip_whatever_the_zone() -> None:
    berlin = timezone(timedelta(hours=1))
    aware = datetime(2026, 3, 1, 13, 30, tzinfo=berlin)
    assert naive_utc(aware) == datetime(2026, 3, 1, 12, 30)
    assert naive_utc(datetime(2026, 3, 1, 12, 30)) == datetime(2026, 3, 1, 12, 30)
    assert aware_utc(datetime(2026, 3, 1, 12, 30)) == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ts", "period", "expected"),
    [
        (datetime(2026, 3, 1, 12, 59, 59), 3600, datetime(2026, 3, 1, 12)),
        (datetime(2026, 3, 1, 12, 0), 3600, datetime(2026, 3, 1, 12)),
        (datetime(2026, 3, 1, 12, 7, 30), 300, datetime(2026, 3, 1, 12, 5)),
        (datetime(2026, 3, 1, 23, 59), 86400, datetime(2026, 3, 1)),
        (datetime(2026, 3, 1, 13, 7, tzinfo=timezone(timedelta(hours=1))), 3600, datetime(2026, 3, 1, 12)),
    ],
)
def test_align_down_counts_from_the_epoch_in_utc(ts: datetime, period: int, expected: datetime) -> None:
    assert align_down(ts, period) == expected


def test_database_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BREAKEVEN_DB", raising=False)
    toml = tmp_path / "toml.duckdb"
    assert resolve_db_path(None) == DEFAULT_DB
    assert resolve_db_path(None, toml) == toml
    monkeypatch.setenv("BREAKEVEN_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(None, toml) == tmp_path / "env.duckdb"
    assert resolve_db_path(str(tmp_path / "cli.duckdb"), toml) == tmp_path / "cli.duckdb"
    monkeypatch.setenv("BREAKEVEN_DB", "")
    assert resolve_db_path(None, toml) == toml


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BREAKEVEN_LOCK_WAIT_S", "soon"),
        ("BREAKEVEN_LOCK_WAIT_S", "-1"),
        ("BREAKEVEN_UPLOAD_MAX_MB", "0"),
        ("BREAKEVEN_UPLOAD_MAX_MB", "lots"),
        ("BREAKEVEN_NO_DEMO", "perhaps"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        settings()
    message = str(caught.value)
    assert message.startswith(f"{name}={value!r}:") and "\n" not in message


def test_settings_are_read_now_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "3")
    assert settings().lock_wait_s == 3
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "7.5")
    assert settings().lock_wait_s == 7.5
    monkeypatch.setenv("BREAKEVEN_NO_DEMO", "1")
    assert settings().no_demo is True
