"""Cloud Billing Catalog API (google-cloud-billing) -> sheet prices. The client is made in one seam only.

SKU descriptions are matched best-effort (see docs/pricing.md); prices the catalog does not yield are
kept from the bundled sheet and reported as kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pricing.errors import RefreshError

SERVICE_NAMES = {
    "cloud-functions": ("Cloud Run functions", "Cloud Functions"),
    "cloud-run": ("Cloud Run",),
    "vertex-endpoint": ("Vertex AI",),
}
# (base unit of the catalog price, our unit) -> how many base units make one of ours.
UNIT_FACTORS = {
    ("By.s", "GB-second"): 2**30,
    ("By.s", "GiB-second"): 2**30,
    ("Hz.s", "GHz-second"): 1e9,
    ("s", "vCPU-second"): 1,
    ("s", "node-hour"): 3600,
    ("s", "second"): 1,
    ("h", "node-hour"): 1,
    ("count", "request"): 1,
    ("count", "invocation"): 1,
    ("By", "GB"): 2**30,
}


def _adc_file() -> Path:
    config = os.environ.get("CLOUDSDK_CONFIG") or str(Path.home() / ".config" / "gcloud")
    return Path(config) / "application_default_credentials.json"


def make_catalog_client() -> Any:
    """The one place a Cloud Catalog client is made. Needs explicit credentials (a key file or gcloud ADC)."""
    key_file = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if not (key_file and Path(key_file).is_file()) and not _adc_file().is_file():
        raise RefreshError(
            "no Google credentials found: run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS to a key file; the bundled sheets stay in use"
        )
    from google.cloud import billing_v1

    return billing_v1.CloudCatalogClient()


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def classify_sku(service: str, description: str) -> tuple[str, int | None, str | None] | None:
    """(item, pricing tier or None, region named in the description or None) for a SKU we price."""
    text = _words(description)
    region_match = re.search(r" in ([a-z]+-[a-z]+\d+)$", text)
    region = region_match.group(1) if region_match else None
    tier = 2 if "tier 2" in text else 1
    if service == "cloud-functions":
        if "invocation" in text:
            return "invocations", None, None
        if "egress" in text:
            return "egress", None, None
        if "1st gen" not in text and "time" not in text:
            return None
        if "cpu" in text:
            return ("idle-cpu" if "idle" in text or "min" in text else "cpu"), tier, None
        if "memory" in text:
            return "memory", tier, None
        return None
    if service == "cloud-run":
        if text.startswith("requests"):
            return "requests", None, None
        kind = "cpu" if "cpu" in text else "memory" if "memory" in text else ""
        if not kind or not text.startswith("services"):
            return None
        if "instance-based" in text:
            return f"instance-{kind}", None, region
        if "request-based" in text:
            return (f"idle-min-{kind}" if "min instance" in text else f"request-{kind}"), tier, None
        return None
    for machine in re.findall(r"[a-z]\d-[a-z]+-\d+", text.replace(" ", "-")):
        if "predict" in text or "serving" in text:
            return f"machine/{machine}", None, None
    return None


def sku_price(sku: Any, unit: str) -> float | None:
    """USD per our unit from the latest pricing info: first non-zero tier / base-unit conversion."""
    if not sku.pricing_info:
        return None
    expression = sku.pricing_info[-1].pricing_expression
    factor = UNIT_FACTORS.get((expression.base_unit, unit))
    rates = [r for r in expression.tiered_rates if r.unit_price.units or r.unit_price.nanos]
    if factor is None or not rates or not expression.base_unit_conversion_factor:
        return None
    money = rates[0].unit_price
    per_usage_unit = money.units + money.nanos / 1e9
    return per_usage_unit / expression.base_unit_conversion_factor * factor


def fetch_gcp_prices(sheet: Mapping[str, Any], client: Any = None) -> dict:
    """ListServices then ListSkus for Cloud Functions, Cloud Run and Vertex AI; map SKUs onto sheet prices."""
    from google.api_core import exceptions as api_exceptions

    from pricing.refresh import expand_prices

    client = client or make_catalog_client()
    entries = expand_prices(sheet)
    tiers = {service: facts.get("region_tier", {}) for service, facts in sheet.get("facts", {}).items()}
    fetched: dict = {}
    try:
        services = {s.display_name: s.name for s in client.list_services()}
        for ours, names in SERVICE_NAMES.items():
            catalog_name = next((services[n] for n in names if n in services), None)
            if catalog_name is None:
                continue
            for sku in client.list_skus(parent=catalog_name):
                found = classify_sku(ours, sku.description)
                if found is None:
                    continue
                item, tier, named_region = found
                for entry in entries:
                    region = entry["region"]
                    if entry["service"] != ours or entry["item"] != item or (ours, item, region) in fetched:
                        continue
                    if named_region and region != named_region:
                        continue
                    if not named_region and sku.service_regions and region not in sku.service_regions:
                        continue
                    if tier is not None and tiers.get(ours, {}).get(region, 1) != tier:
                        continue
                    price = sku_price(sku, entry["unit"])
                    if price is not None:
                        fetched[(ours, item, region)] = ((0.0, round(price, 12)),)
    except api_exceptions.GoogleAPIError as exc:
        raise RefreshError(f"Cloud Billing Catalog API call failed: {exc}") from exc
    return fetched
