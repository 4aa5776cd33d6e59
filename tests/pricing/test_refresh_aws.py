"""Refresh from the AWS Price List API: a real botocore client answered by Stubber with Price List-shaped items."""

from __future__ import annotations

import json
from datetime import date

import botocore.session
import pytest
from botocore.stub import Stubber

import pricing.refresh.aws as refresh_aws
from pricing.book import build_book
from pricing.errors import RefreshError
from pricing.refresh import bundled_sheet_path, run_refresh
from pricing.refresh.aws import map_item, on_demand_tiers, strip_region_prefix

TODAY = date(2026, 11, 29)


def price_item(service_code, usagetype, region, dimensions, unit="Lambda-GB-Second", **attributes):
    """One PriceList entry exactly as GetProducts returns it: a JSON *string*."""
    sku = f"SKU{abs(hash((usagetype, region))) % 10**8:08d}"
    term = f"{sku}.JRTCKXETXF"
    return json.dumps(
        {
            "product": {
                "sku": sku,
                "productFamily": "Serverless",
                "attributes": {"usagetype": usagetype, "regionCode": region, "servicecode": service_code, **attributes},
            },
            "serviceCode": service_code,
            "terms": {
                "OnDemand": {
                    term: {
                        "offerTermCode": "JRTCKXETXF",
                        "sku": sku,
                        "effectiveDate": "2026-09-01T00:00:00Z",
                        "termAttributes": {},
                        "priceDimensions": {
                            f"{term}.{index}": {
                                "rateCode": f"{term}.{index}",
                                "description": f"tier {index}",
                                "beginRange": begin,
                                "endRange": end,
                                "unit": unit,
                                "pricePerUnit": {"USD": usd},
                                "appliesTo": [],
                            }
                            for index, (begin, end, usd) in enumerate(dimensions)
                        },
                    }
                }
            },
            "version": "20260901191006",
            "publicationDate": "2026-09-01T19:10:06Z",
        }
    )


LAMBDA_PAGE_1 = [
    price_item(
        "AWSLambda",
        "Lambda-GB-Second",
        "us-east-1",
        [
            ("0", "6000000000", "0.0000166667"),
            ("6000000000", "15000000000", "0.0000150000"),
            ("15000000000", "Inf", "0.0000133334"),
        ],
        group="AWS-Lambda-Duration",
    ),
    price_item("AWSLambda", "Request", "us-east-1", [("0", "Inf", "0.0000002000")], unit="Requests"),
]
LAMBDA_PAGE_2 = [
    # A $0 first band (free allowance) must not become the price.
    price_item(
        "AWSLambda",
        "Lambda-GB-Second-ARM",
        "us-east-1",
        [
            ("0", "400000", "0.0000000000"),
            ("400000", "7500000000", "0.0000133334"),
            ("7500000000", "18750000000", "0.0000120001"),
            ("18750000000", "Inf", "0.0000106667"),
        ],
    ),
    price_item("AWSLambda", "Lambda-Edge-Request", "us-east-1", [("0", "Inf", "0.0000006")]),
]
SAGEMAKER_PAGE = [
    price_item(
        "AmazonSageMaker",
        "USE1-Host:ml.m5.large",
        "us-east-1",
        [("0", "Inf", "0.1150000000")],
        unit="Hrs",
        component="Hosting",
        instanceName="ml.m5.large-Hosting",
    ),
    price_item(
        "AmazonSageMaker",
        "USE1-Host:ml.c5.large",
        "us-east-1",
        [("0", "Inf", "0.1190000000")],
        unit="Hrs",
        component="Hosting",
    ),
    price_item(
        "AmazonSageMaker", "USE1-ServerlessInf:Mem-3GB", "us-east-1", [("0", "Inf", "0.0000600000")], unit="Second"
    ),
    price_item("AmazonSageMaker", "USW2-Host:ml.m5.large", "us-west-2", [("0", "Inf", "0.1150000000")], unit="Hrs"),
]


def stubbed_client():
    client = botocore.session.get_session().create_client(
        "pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(client)

    def expect(service_code, region, price_list, next_token=None, token_in=None):
        params = {
            "ServiceCode": service_code,
            "FormatVersion": "aws_v1",
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
        }
        if token_in:
            params["NextToken"] = token_in
        response = {"PriceList": price_list, "FormatVersion": "aws_v1"}
        if next_token:
            response["NextToken"] = next_token
        stubber.add_response("get_products", response, params)

    expect("AWSLambda", "eu-west-1", [])
    expect("AWSLambda", "us-east-1", LAMBDA_PAGE_1, next_token="page-2")
    expect("AWSLambda", "us-east-1", LAMBDA_PAGE_2, token_in="page-2")
    expect("AWSLambda", "us-west-2", [])
    expect("AmazonSageMaker", "eu-west-1", [])
    expect("AmazonSageMaker", "us-east-1", SAGEMAKER_PAGE[:3])
    expect("AmazonSageMaker", "us-west-2", SAGEMAKER_PAGE[3:])
    stubber.activate()
    return client, stubber


def test_parsing_helpers():
    assert strip_region_prefix("USE1-Host:ml.m5.large") == "Host:ml.m5.large"
    assert strip_region_prefix("EU-Lambda-GB-Second") == "Lambda-GB-Second"
    assert strip_region_prefix("Lambda-GB-Second-ARM") == "Lambda-GB-Second-ARM"
    item = json.loads(LAMBDA_PAGE_2[0])
    assert map_item(item) == ("lambda", "duration-arm64", "us-east-1")
    assert on_demand_tiers(item) == ((0.0, 0.0000133334), (7.5e9, 0.0000120001), (18.75e9, 0.0000106667))
    assert map_item(json.loads(LAMBDA_PAGE_2[1])) is None


def test_refresh_through_the_client_seam(monkeypatch, tmp_path):
    client, stubber = stubbed_client()
    monkeypatch.setattr(refresh_aws, "make_pricing_client", lambda: client)
    output = tmp_path / "aws.json"
    report = run_refresh("aws", output=str(output), today=TODAY)
    stubber.assert_no_pending_responses()
    assert report[0] == "aws: 1 changed, 6 unchanged, 80 kept from the bundled sheet (2026-11-29)"
    assert "changed  sagemaker-endpoint/instance/ml.c5.large/us-east-1: 0.102 -> 0.119 USD/instance-hour" in report
    assert any(line.startswith("kept     sagemaker-serverless/data-in/us-east-1") for line in report)
    assert report[-1] == f"wrote {output}"
    book = build_book([("refreshed", json.loads(output.read_text()))])
    refreshed = book.price("sagemaker-endpoint", "instance/ml.c5.large", "us-east-1")
    assert refreshed.usd == 0.119
    assert (refreshed.source.confidence, refreshed.source.retrieved) == ("verified", "2026-11-29")
    kept = book.price("sagemaker-endpoint", "instance/ml.c5.large", "us-west-2")
    assert kept.usd == 0.102 and kept.source.confidence == "unconfirmed"
    assert book.price("lambda", "duration-arm64", "us-east-1").tiers[1] == (7.5e9, 0.0000120001)


def test_dry_run_writes_nothing(monkeypatch):
    client, _ = stubbed_client()
    monkeypatch.setattr(refresh_aws, "make_pricing_client", lambda: client)
    before = bundled_sheet_path("aws").read_text()
    report = run_refresh("aws", dry_run=True, today=TODAY)
    assert report[-1] == "dry run: nothing written"
    assert bundled_sheet_path("aws").read_text() == before


def test_api_errors_become_one_line(monkeypatch):
    client = botocore.session.get_session().create_client(
        "pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(client)
    stubber.add_client_error("get_products", "AccessDeniedException", "not authorized to perform pricing:GetProducts")
    stubber.activate()
    monkeypatch.setattr(refresh_aws, "make_pricing_client", lambda: client)
    with pytest.raises(RefreshError, match=r"AWS Price List API call failed: .*AccessDenied"):
        run_refresh("aws", dry_run=True, today=TODAY)
