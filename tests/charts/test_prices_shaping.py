"""Shaping for the Prices page: readable tiers, provenance columns, reused regions, the editor's fields."""

from __future__ import annotations

import math

import pytest

from charts.prices import (
    fields_of,
    prices_frame,
    quantity,
    reuse_frame,
    rule_from_fields,
    rule_label,
    rules_frame,
    safe_link,
    tiers_text,
)
from pricing import load_price_book
from pricing.listing import price_rows


@pytest.fixture(scope="module")
def rows():
    return price_rows(load_price_book(use_env=False))


@pytest.mark.parametrize(
    ("value", "text"), [(6e9, "6 B"), (18_750_000_000, "18.75 B"), (7.5e9, "7.5 B"), (400_000, "400 k"), (12, "12")]
)
def test_tier_boundaries_read_exactly(value, text):
    assert quantity(value) == text


def test_tiers_read_as_sentences():
    arm = ((0.0, 1.33334e-05), (7.5e9, 1.20001e-05), (18.75e9, 1.06667e-05))
    assert tiers_text(arm, "GB-second") == (
        "$0.00001333 per GB-second up to 7.5 B a month, $0.000012 from 7.5 B to 18.75 B, $0.00001067 above 18.75 B"
    )
    assert tiers_text(((0.0, 0.115),), "instance-hour") == "$0.12 per instance-hour"
    assert tiers_text(((0.0, 1.0), (100.0, 0.5)), "GB") == "$1.00 per GB up to 100 a month, $0.50 above 100"


def test_only_web_addresses_become_links():
    assert safe_link("https://aws.amazon.com/lambda/pricing/") == "https://aws.amazon.com/lambda/pricing/"
    assert safe_link("javascript:alert(1)") is None and safe_link("file:///etc/passwd") is None


def test_the_price_table_has_one_line_per_price_with_its_provenance(rows):
    frame = prices_frame(rows)
    assert len(frame) == len(rows) and list(frame["Price key"]) == [r.key for r in rows]
    line = frame.set_index("Price key").loc["lambda/requests-x86_64/eu-west-1"]
    assert line["Service"] == "AWS Lambda" and line["Provider"] == "AWS" and line["Unit"] == "request"
    assert line["List price"] == line["Effective price"] == "$0.0000002"
    assert line["Confidence"] == "⚠ unconfirmed" and line["Reuses figures of"] == "us-east-1 (assumed)"
    assert line["Volume tiers (effective)"] == ""  # a flat price has no tiers to show
    assert not frame.drop(columns=["Source"]).isna().any().any()  # "" for nothing, never None or nan


def test_the_reuse_table_counts_each_regions_borrowed_prices(rows):
    frame = reuse_frame(rows)
    by_region = frame.set_index("Region")
    expected = {
        region: sum(1 for r in rows if r.region == region and r.reuses_region)
        for region in ("us-west-2", "eu-west-1", "europe-west1")
    }
    assert set(by_region.index) == set(expected)
    for region, count in expected.items():
        assert by_region.loc[region, "Prices"] == count > 0
    assert by_region.loc["europe-west1", "Reuses figures of"] == "us-central1"
    assert by_region.loc["europe-west1", "Refresh with"] == "python -m breakeven refresh --provider gcp"
    assert reuse_frame([r for r in rows if not r.reuses_region]).empty


def test_rules_read_in_the_order_the_checks_number_them():
    rules = {
        "discount": [{"service": "lambda", "percent": 17, "items": ["duration-*"], "name": "SP"}],
        "override": [{"service": "vertex-endpoint", "item": "machine/*", "usd": 0.1}],
    }
    frame = rules_frame(rules)
    assert list(frame["Rule"]) == ["discount[0]", "override[0]"]
    assert list(frame["What it does"]) == [
        "−17 % on lambda duration-*, in all regions",
        "$0.10 a unit on vertex-endpoint machine/*, in all regions",
    ]
    assert (
        rule_label("discount", 0, rules["discount"][0])
        == "discount[0] · SP · −17 % on lambda duration-*, in all regions"
    )
    assert rules_frame({"discount": [{"service": "lambda", "percent": "x"}]})["What it does"][0] == (
        "'x' % on lambda *, in all regions"
    )


def test_fields_round_trip_through_the_editor():
    rule = {"service": "lambda", "percent": 12.5, "items": ["duration-*", "provisioned-*"], "regions": ["us-*"]}
    fields = fields_of("discount", rule)
    assert fields == {
        "service": "lambda",
        "percent": "12.5",
        "items": "duration-*, provisioned-*",
        "regions": "us-*",
        "name": "",
    }
    assert rule_from_fields("discount", fields) == rule


def test_what_the_user_typed_is_kept_for_the_checks_to_judge():
    typed = rule_from_fields(
        "discount", {"service": " lambda ", "percent": "nan", "items": "", "regions": "", "name": ""}
    )
    assert typed["service"] == "lambda" and math.isnan(typed["percent"]) and set(typed) == {"service", "percent"}
    assert rule_from_fields("override", {"service": "", "item": "x", "region": "", "usd": "abc", "name": ""}) == {
        "item": "x",
        "usd": "abc",
    }
