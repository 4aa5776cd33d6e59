"""The price book as rows: filters, effective against list, and which prices reuse another region's figures."""

from __future__ import annotations

import json

import pytest

from pricing import load_price_book
from pricing.book import bundled_sheets
from pricing.listing import price_rows


@pytest.fixture(scope="module")
def bundled():
    return load_price_book(use_env=False)


def test_every_price_is_a_row_once_sorted_by_key(bundled):
    rows = price_rows(bundled)
    assert [r.key for r in rows] == sorted(bundled.prices)
    assert all(r.url.startswith("https://") and r.retrieved and r.confidence for r in rows)


def test_filters_combine_and_empty_means_everything(bundled):
    rows = price_rows(bundled, providers=["aws"], regions=["us-west-2"], confidences=["unconfirmed"])
    assert rows and {(r.provider, r.region, r.confidence) for r in rows} == {("aws", "us-west-2", "unconfirmed")}
    assert price_rows(bundled, services=["vertex-endpoint"], regions=["us-east-1"]) == []


def test_a_price_reuses_another_region_exactly_where_the_sheet_says_so_and_the_figures_are_that_regions(bundled):
    """Truth from the sheets themselves: an entry whose note says it is assumed equal to another region's price
    is marked, and its tiers are that region's tiers; no other price is marked."""
    marked = {r.key: r for r in price_rows(bundled) if r.reuses_region}
    expected = set()
    for _, sheet in bundled_sheets():
        for entry in sheet["prices"]:
            if "assumed equal to the" in entry.get("note", ""):
                regions = entry.get("regions") or [entry["region"]]
                expected |= {f"{entry['service']}/{entry['item']}/{region}" for region in regions}
    assert expected and set(marked) == expected
    for row in marked.values():
        home = bundled.price(row.service, row.item, row.reuses_region)
        assert row.list_tiers == home.list_tiers and row.region != row.reuses_region
        assert row.confidence == "unconfirmed"


def test_rows_show_effective_and_list_from_the_book(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text("[[discount]]\nservice = 'lambda'\npercent = 10\nitems = ['duration-x86_64']\nname = 'SP'\n")
    rows = {r.key: r for r in price_rows(load_price_book(path, use_env=False), services=["lambda"])}
    duration = rows["lambda/duration-x86_64/us-east-1"]
    assert duration.adjusted and duration.list_tiers[1] == (6e9, 1.5e-05)
    assert duration.tiers[1] == (6e9, pytest.approx(1.5e-05 * 0.9))
    assert "SP: -10%" in duration.adjustment
    assert not rows["lambda/requests-x86_64/us-east-1"].adjusted


def test_the_json_keeps_the_commands_earlier_keys(bundled):
    row = next(r for r in price_rows(bundled) if len(r.tiers) > 1 and r.reuses_region)
    data = json.loads(json.dumps(row.to_dict()))
    assert {"service", "item", "region", "unit", "usd", "list_usd", "tiers", "source"} <= set(data)
    assert data["tiers"][0] == [0.0, row.usd] and data["reuses_region"] == "us-east-1"
    assert set(data["source"]) >= {"url", "retrieved", "confidence", "note"}
