"""Rebuild a provider's bundled price sheet from its pricing API and report what changed.

The API clients live behind one seam each (:func:`pricing.refresh.aws.make_pricing_client`,
:func:`pricing.refresh.gcp.make_catalog_client`); nothing here runs unless ``refresh`` is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pricing.book import Tiers, parse_sheet
from pricing.errors import RefreshError

# (service, item, region) -> tiers
Fetched = dict[tuple[str, str, str], Tiers]
API_SOURCE = {
    "aws": ("aws-price-list-api", "https://api.pricing.us-east-1.amazonaws.com (AWS Price List API, GetProducts)"),
    "gcp": (
        "gcp-cloud-billing-catalog-api",
        "https://cloudbilling.googleapis.com/v1/services/-/skus (Cloud Billing Catalog API)",
    ),
}


def bundled_sheet_path(provider: str) -> Path:
    return Path(str(resources.files("pricing") / "data" / f"{provider}.json"))


def expand_prices(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per region, so a refreshed price can change in one region only."""
    expanded = []
    for entry in sheet.get("prices", []):
        regions = entry.get("regions") or [entry["region"]]
        for region in regions:
            single = {k: v for k, v in entry.items() if k not in ("regions", "region")}
            expanded.append({**single, "region": region})
    return expanded


def _tiers_of(entry: Mapping[str, Any]) -> Tiers:
    if "usd" in entry:
        return ((0.0, float(entry["usd"])),)
    return tuple((float(a), float(b)) for a, b in entry["tiers"])


def _usd(value: float) -> str:
    return f"{value:.12f}".rstrip("0").rstrip(".") or "0"


def _describe(tiers: Tiers) -> str:
    if len(tiers) == 1:
        return _usd(tiers[0][1])
    return ", ".join(f"{_usd(usd)} from {start:,.0f}" for start, usd in tiers)


def rebuild_sheet(sheet: dict[str, Any], fetched: Fetched, provider: str, today: date) -> tuple[dict, list[str]]:
    """Apply fetched prices to the sheet. Returns the new sheet and one report line per change or gap."""
    source_name, url = API_SOURCE[provider]
    new_sheet = {
        **sheet,
        "sources": {
            **sheet["sources"],
            source_name: {
                "url": url,
                "retrieved": today.isoformat(),
                "confidence": "verified",
                "note": "refreshed by python -m breakeven refresh",
            },
        },
    }
    prices, report = [], []
    changed = unchanged = 0
    for entry in expand_prices(sheet):
        key = (entry["service"], entry["item"], entry["region"])
        label = "/".join(key)
        tiers = fetched.get(key)
        if tiers is None:
            report.append(f"kept     {label}: not found in the API ({entry['source']})")
            prices.append(entry)
            continue
        old = _tiers_of(entry)
        updated = {k: v for k, v in entry.items() if k not in ("usd", "tiers", "confidence", "note", "retrieved")}
        updated.update({"usd": tiers[0][1]} if len(tiers) == 1 else {"tiers": [list(t) for t in tiers]})
        updated["source"] = source_name
        prices.append(updated)
        if old == tiers:
            unchanged += 1
        else:
            changed += 1
            report.append(f"changed  {label}: {_describe(old)} -> {_describe(tiers)} USD/{entry['unit']}")
    new_sheet["prices"] = prices
    parse_sheet(new_sheet, f"refreshed {provider} sheet")
    report.insert(
        0,
        f"{provider}: {changed} changed, {unchanged} unchanged, "
        f"{len(prices) - changed - unchanged} kept from the bundled sheet ({today.isoformat()})",
    )
    return new_sheet, report


def sheet_regions(sheet: Mapping[str, Any]) -> list[str]:
    return sorted({entry["region"] for entry in expand_prices(sheet)})


def run_refresh(
    provider: str,
    *,
    dry_run: bool = False,
    output: str | None = None,
    today: date | None = None,
    fetch: Callable[[Mapping[str, Any]], Fetched] | None = None,
) -> list[str]:
    """Fetch, rebuild, report; write unless ``dry_run``. ``fetch`` defaults to the provider's real fetcher."""
    path = bundled_sheet_path(provider)
    sheet = json.loads(path.read_text("utf-8"))
    if fetch is None:
        if provider == "aws":
            from pricing.refresh.aws import fetch_aws_prices as fetch
        elif provider == "gcp":
            from pricing.refresh.gcp import fetch_gcp_prices as fetch
        else:
            raise RefreshError(f"unknown provider {provider!r}; use aws or gcp")
    fetched = fetch(sheet)
    new_sheet, report = rebuild_sheet(sheet, fetched, provider, today or datetime.now(UTC).date())
    if dry_run:
        report.append("dry run: nothing written")
        return report
    target = Path(output) if output else path
    target.write_text(json.dumps(new_sheet, indent=1) + "\n", "utf-8")
    report.append(f"wrote {target}")
    return report
