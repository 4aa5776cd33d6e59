"""ModelParams: validation, URL round trip, and every what-if transform's effect, checked by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analysis.detail import assess_resource
from analysis.estate import assess_estate
from analysis.params import ModelParams, ParamsError
from pricing import load_price_book
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch

T0 = datetime(2026, 3, 1)
FN = ResourceRecord("lambda", "1", "us-east-1", "steady")
EP = ResourceRecord("sagemaker-endpoint", "1", "us-east-1", "two")


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


@pytest.fixture
def db(empty_db: Path) -> Path:
    """24 hours of a steady Lambda (3,600 requests an hour of 100 ms, 1,024 MB) and a two-instance endpoint."""
    rows = []
    for h in range(24):
        start = T0 + timedelta(hours=h)
        for metric, value in (
            ("invocations", 3600.0),
            ("duration_ms_avg", 100.0),
            ("billed_duration_ms_sum", 360000.0),
        ):
            rows.append((FN.resource_id, metric, start, 3600, value, "t"))
        for metric, value in (("invocations", 10.0), ("duration_ms_avg", 50.0), ("instances_avg", 2.0)):
            rows.append((EP.resource_id, metric, start, 3600, value, "t"))
    configs = [
        ConfigRecord(FN.resource_id, T0 - timedelta(days=1), {"memory_mb": 1024, "architecture": "x86_64"}, "t"),
        ConfigRecord(
            EP.resource_id, T0 - timedelta(days=1), {"instance_type": "ml.m5.large", "instance_count": 2}, "t"
        ),
    ]
    write_batch(empty_db, Batch(resources=[FN, EP], configs=configs, metrics=metrics_frame(rows)))
    return empty_db


def _rows(db: Path, book, params: ModelParams) -> dict:
    return {r.name: r for r in assess_estate(db, Filters(), params, book).rows}


def _lines(db: Path, book, params: ModelParams, resource: ResourceRecord) -> dict:
    detail = assess_resource(db, resource.resource_id, Filters(), params, book)
    return {line.item.removesuffix(" (tier 1)"): line for line in detail.today_lines}


def test_defaults_change_nothing_and_round_trip_through_the_url() -> None:
    assert ModelParams().to_query() == {} and not ModelParams().what_if
    params = ModelParams(keep_alive_s=300, init_ms=800, traffic_scale=2.5, cache_hit_rate=0.3, architecture="arm64")
    query = params.to_query()
    assert query["m_traffic_scale"] == "2.5" and all(k.startswith("m_") for k in query)
    assert ModelParams.from_query({**query, "resource": "x", "start": "2026-01-01"}) == params
    assert hash(params) == hash(ModelParams.from_query(query))  # a cache key
    assert params.what_if and "traffic ×2.5" in params.what_if_notes()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"m_traffic_scale": "1000"}, "traffic_scale: must be between 0.1 and 100"),
        ({"m_cache_hit_rate": "abc"}, "m_cache_hit_rate: must be a number"),
        ({"m_memory_mb": "1.5"}, "memory_mb"),
        ({"m_architecture": "sparc"}, "architecture: must be one of"),
        ({"m_nope": "1"}, "m_nope: not a model parameter"),
        ({"m_free_tier": "maybe"}, "m_free_tier: must be 0 or 1"),
    ],
)
def test_bad_values_are_one_line_naming_the_field(query: dict, words: str) -> None:
    with pytest.raises(ParamsError, match=words):
        ModelParams.from_query(query)


def test_traffic_scale_doubles_requests_and_the_lambda_bill(db: Path, book) -> None:
    base = _rows(db, book, ModelParams())["steady"]
    double = _rows(db, book, ModelParams(traffic_scale=2.0))["steady"]
    assert double.requests_per_month == pytest.approx(2 * base.requests_per_month)
    # 2,628,000 requests ($0.53) and 262,800 GB-s ($4.38) today; twice both, modelled (cold starts ~0)
    assert base.current.monthly_usd == pytest.approx(0.53 + 4.38)
    assert double.current.monthly_usd == pytest.approx(2 * (0.5256 + 4.38), rel=0.02)
    grown = _rows(db, book, ModelParams(growth_per_month=0.1, growth_months=12))["steady"]
    assert grown.requests_per_month == pytest.approx(base.requests_per_month * 1.1**12)


def test_a_cache_removes_its_hits_and_adds_its_own_price(db: Path, book) -> None:
    params = ModelParams(cache_hit_rate=0.5, cache_usd_per_million=2.0)
    row = _rows(db, book, params)["steady"]
    assert row.requests_per_month == pytest.approx(2_628_000 / 2)
    lines = _lines(db, book, params, FN)
    cache = lines["Cache (what-if)"]
    assert cache.quantity == pytest.approx(2.628)  # every request reaches the cache: 2.628 M
    assert cache.usd == pytest.approx(round(2.628 * 2.0, 2))
    # modelled under a what-if: per-request rounding and init on the modelled cold starts add about 2 %
    assert lines["Duration x86_64"].quantity == pytest.approx(262_800 / 2, rel=0.03)
    assert lines["Duration x86_64"].quantity > 262_800 / 2


def test_a_faster_model_bills_less_duration(db: Path, book) -> None:
    lines = _lines(db, book, ModelParams(latency_multiplier=0.5), FN)
    assert lines["Duration x86_64"].quantity == pytest.approx(262_800 / 2, rel=0.03)


def test_more_memory_runs_faster_up_to_one_vcpu(db: Path, book) -> None:
    lines = _lines(db, book, ModelParams(memory_mb=2048), FN)
    # 1,024 MB had 1,024/1,769 of a vCPU; 2,048 MB has the whole vCPU: 100 ms × 0.579 at 2 GB
    expected = 2_628_000 * 0.1 * (1024 / 1769) * 2
    assert lines["Duration x86_64"].quantity == pytest.approx(expected, rel=0.03)


def test_arm_prices_apply_when_the_architecture_changes(db: Path, book) -> None:
    lines = _lines(db, book, ModelParams(architecture="arm64"), FN)
    assert lines["Duration arm64"].price_key == "lambda/duration-arm64/us-east-1"


def test_a_discount_cuts_every_price(db: Path, book) -> None:
    base = _rows(db, book, ModelParams())["two"]
    cut = _rows(db, book, ModelParams(discount_pct=20))["two"]
    assert base.current.monthly_usd == pytest.approx(2 * 730 * 0.115)  # $167.90
    assert cut.current.monthly_usd == pytest.approx(0.8 * 2 * 730 * 0.115, abs=0.01)
    line = next(iter(_lines(db, book, ModelParams(discount_pct=20), EP).values()))
    assert "20 % off" in line.adjustment


def test_provisioned_concurrency_what_if_prices_that_level(db: Path, book) -> None:
    row = _rows(db, book, ModelParams(provisioned_concurrency=3))["steady"]
    option = next(o for o in row.options if o.kind == "add provisioned concurrency")
    assert "provisioned concurrency 3" in option.label and option.always_on == 3
    # 3 × 1 GB × 2,628,000 s × $0.0000041667 = $32.85 enabled, at the least
    assert option.monthly_usd > 32.85
