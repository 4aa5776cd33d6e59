"""AWS Price List API (boto3 ``pricing``) -> sheet prices. boto3 is imported only inside the client seam."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pricing.errors import RefreshError

LAMBDA_USAGE_TYPES = {
    "Request": "requests-x86_64",
    "Request-ARM": "requests-arm64",
    "Lambda-GB-Second": "duration-x86_64",
    "Lambda-GB-Second-ARM": "duration-arm64",
    "Lambda-Provisioned-Concurrency": "provisioned-concurrency-x86_64",
    "Lambda-Provisioned-Concurrency-ARM": "provisioned-concurrency-arm64",
    "Lambda-Provisioned-GB-Second": "provisioned-duration-x86_64",
    "Lambda-Provisioned-GB-Second-ARM": "provisioned-duration-arm64",
    "Lambda-Storage-GB-Second": "ephemeral-storage-x86_64",
    "Lambda-Storage-GB-Second-ARM": "ephemeral-storage-arm64",
}
SERVICE_CODES = ("AWSLambda", "AmazonSageMaker")


def make_pricing_client() -> Any:
    """The one place a boto3 client is made. Fails with one line when no credentials are configured."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session()
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise RefreshError(f"cannot load AWS credentials: {exc}") from exc
    if credentials is None:
        raise RefreshError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(pricing:GetProducts is enough); the bundled sheets stay in use"
        )
    return session.client("pricing", region_name="us-east-1")


def strip_region_prefix(usage_type: str) -> str:
    """'USE1-Host:ml.m5.large' -> 'Host:ml.m5.large'; us-east-1 Lambda types carry no prefix."""
    head, _, tail = usage_type.partition("-")
    return tail if tail and head.isupper() and head.isalnum() else usage_type


def on_demand_tiers(item: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    """Tiers from ``terms.OnDemand.*.priceDimensions`` (beginRange/endRange/pricePerUnit.USD)."""
    dimensions = []
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            dimensions.append((float(dimension.get("beginRange", 0)), float(dimension["pricePerUnit"]["USD"])))
    dimensions.sort()
    if len(dimensions) > 1 and dimensions[0][1] == 0:
        dimensions = dimensions[1:]  # a $0 first band is a free allowance; free tiers live apart in the sheet
        dimensions[0] = (0.0, dimensions[0][1])
    return tuple(dimensions)


def map_item(item: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(service, item, region) for a Price List product we price, else None."""
    attributes = item.get("product", {}).get("attributes", {})
    region = attributes.get("regionCode", "")
    base = strip_region_prefix(attributes.get("usagetype", ""))
    if item.get("serviceCode") == "AWSLambda" and base in LAMBDA_USAGE_TYPES:
        return "lambda", LAMBDA_USAGE_TYPES[base], region
    if base.startswith("Host:ml.") and attributes.get("component", "Hosting") == "Hosting":
        return "sagemaker-endpoint", f"instance/{base.removeprefix('Host:')}", region
    if base.startswith("ServerlessInf:Mem-") and base.endswith("GB"):
        gigabytes = base.removeprefix("ServerlessInf:Mem-").removesuffix("GB")
        if gigabytes.isdigit():
            return "sagemaker-serverless", f"duration/{int(gigabytes) * 1024}", region
    return None


def fetch_aws_prices(sheet: Mapping[str, Any], client: Any = None) -> dict:
    """GetProducts (paginated) for AWSLambda and AmazonSageMaker in each region the sheet prices."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pricing.refresh import sheet_regions

    client = client or make_pricing_client()
    fetched: dict = {}
    try:
        for service_code in SERVICE_CODES:
            for region in sheet_regions(sheet):
                pages = client.get_paginator("get_products").paginate(
                    ServiceCode=service_code,
                    Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                    FormatVersion="aws_v1",
                )
                for page in pages:
                    for raw in page.get("PriceList", []):
                        item = json.loads(raw) if isinstance(raw, str) else raw
                        key = map_item(item)
                        tiers = on_demand_tiers(item) if key else ()
                        if key and tiers and key not in fetched:
                            fetched[key] = tiers
    except (BotoCoreError, ClientError) as exc:
        raise RefreshError(f"AWS Price List API call failed: {exc}") from exc
    return fetched
