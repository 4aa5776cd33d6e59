"""Refresh from the Cloud Billing Catalog API: the real client over gRPC against an in-process fake server."""

from __future__ import annotations

import json
from concurrent import futures
from datetime import date

import grpc
import pytest
from google.cloud import billing_v1
from google.cloud.billing_v1.services.cloud_catalog.transports import CloudCatalogGrpcTransport
from google.cloud.billing_v1.types import cloud_catalog

import pricing.refresh.gcp as refresh_gcp
from pricing.book import build_book
from pricing.refresh import run_refresh
from pricing.refresh.gcp import classify_sku

TODAY = date(2026, 11, 29)


def sku(description, usage_unit, base_unit, factor, usd_per_usage_unit, regions=(), free_first=False):
    units = int(usd_per_usage_unit)
    nanos = round((usd_per_usage_unit - units) * 1e9)
    rates = (
        [{"start_usage_amount": 0, "unit_price": {"currency_code": "USD", "units": 0, "nanos": 0}}]
        if free_first
        else []
    )
    rates.append(
        {
            "start_usage_amount": 100 if free_first else 0,
            "unit_price": {"currency_code": "USD", "units": units, "nanos": nanos},
        }
    )
    return cloud_catalog.Sku(
        name=f"services/x/skus/{abs(hash(description)) % 10**6}",
        description=description,
        service_regions=list(regions),
        pricing_info=[
            {
                "summary": "",
                "pricing_expression": {
                    "usage_unit": usage_unit,
                    "base_unit": base_unit,
                    "base_unit_conversion_factor": factor,
                    "tiered_rates": rates,
                },
            }
        ],
    )


SERVICES = [
    cloud_catalog.Service(name="services/152E-C115-5142", service_id="152E-C115-5142", display_name="Cloud Run"),
    cloud_catalog.Service(
        name="services/29E7-DA93-CA13", service_id="29E7-DA93-CA13", display_name="Cloud Run functions"
    ),
    cloud_catalog.Service(name="services/C7E2-9256-1C43", service_id="C7E2-9256-1C43", display_name="Vertex AI"),
    cloud_catalog.Service(name="services/6F81-5844-456A", service_id="6F81-5844-456A", display_name="Compute Engine"),
]
SKUS = {
    "services/152E-C115-5142": [
        sku("Services CPU (Request-based billing)", "s", "s", 1, 0.000024, free_first=True),
        sku("Services CPU Tier 2  (Request-based billing)", "s", "s", 1, 0.0000336),
        sku("Services Memory (Request-based billing)", "GiBy.s", "By.s", 2**30, 0.0000025),
        sku("Services CPU (Instance-based billing) in us-central1", "s", "s", 1, 0.000019, regions=["us-central1"]),
        sku("Requests", "count", "count", 1, 0.0000004),
    ],
    "services/29E7-DA93-CA13": [
        sku("Cloud Run functions (1st Gen) CPU (Request-based billing)", "GHz.s", "Hz.s", 1e9, 0.00001),
        sku("Cloud Run functions (1st Gen) Memory Tier 2 (Request-based billing)", "GiBy.s", "By.s", 2**30, 0.0000035),
        sku("Invocations", "count", "count", 1, 0.0000004),
    ],
    "services/C7E2-9256-1C43": [
        sku("Online prediction n1-standard-2 node in us-central1", "h", "s", 3600, 0.1095, regions=["us-central1"]),
    ],
}


@pytest.fixture
def catalog_client():
    requests = []

    def list_services(request, context):
        requests.append(("services", request.page_token))
        return cloud_catalog.ListServicesResponse(services=SERVICES)

    def list_skus(request, context):
        requests.append(("skus", request.parent, request.page_token))
        skus = SKUS.get(request.parent, [])
        if request.page_token == "":  # page 1 of 2 exercises the pager
            return cloud_catalog.ListSkusResponse(skus=skus[:1], next_page_token="p2" if len(skus) > 1 else "")
        return cloud_catalog.ListSkusResponse(skus=skus[1:])

    handler = grpc.method_handlers_generic_handler(
        "google.cloud.billing.v1.CloudCatalog",
        {
            "ListServices": grpc.unary_unary_rpc_method_handler(
                list_services,
                request_deserializer=cloud_catalog.ListServicesRequest.deserialize,
                response_serializer=cloud_catalog.ListServicesResponse.serialize,
            ),
            "ListSkus": grpc.unary_unary_rpc_method_handler(
                list_skus,
                request_deserializer=cloud_catalog.ListSkusRequest.deserialize,
                response_serializer=cloud_catalog.ListSkusResponse.serialize,
            ),
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    client = billing_v1.CloudCatalogClient(transport=CloudCatalogGrpcTransport(channel=channel))
    yield client, requests
    channel.close()
    server.stop(None)


def test_classify_sku_descriptions():
    assert classify_sku("cloud-run", "Services CPU Tier 2  (Request-based billing)") == ("request-cpu", 2, None)
    assert classify_sku("cloud-run", "Services Min Instance Memory (Request-based billing)") == (
        "idle-min-memory",
        1,
        None,
    )
    assert classify_sku("cloud-run", "Services Memory (Instance-based billing) in europe-west1") == (
        "instance-memory",
        None,
        "europe-west1",
    )
    assert classify_sku("cloud-functions", "Cloud Run functions (1st Gen) Memory Tier 2 (Request-based billing)") == (
        "memory",
        2,
        None,
    )
    assert classify_sku("cloud-functions", "Cloud Run functions CPU (Request-based billing) in us-central1") is None
    assert classify_sku("vertex-endpoint", "Online prediction n1-highmem-4 node in us-central1")[0] == (
        "machine/n1-highmem-4"
    )


def test_refresh_through_the_catalog_seam(monkeypatch, tmp_path, catalog_client):
    client, requests = catalog_client
    monkeypatch.setattr(refresh_gcp, "make_catalog_client", lambda: client)
    output = tmp_path / "gcp.json"
    report = run_refresh("gcp", output=str(output), today=TODAY)
    assert ("skus", "services/152E-C115-5142", "p2") in requests  # the pager followed next_page_token
    assert "changed  cloud-run/instance-cpu/us-central1: 0.000018 -> 0.000019 USD/vCPU-second" in report
    book = build_book([("refreshed", json.loads(output.read_text()))])
    assert book.price("cloud-run", "request-cpu", "us-central1").usd == pytest.approx(0.000024)  # $0 tier skipped
    assert book.price("cloud-run", "request-cpu", "us-west2").usd == pytest.approx(0.0000336)
    assert book.price("cloud-run", "request-memory", "europe-west1").usd == pytest.approx(0.0000025)
    assert book.price("cloud-functions", "cpu", "us-central1").usd == pytest.approx(0.00001)
    assert book.price("cloud-functions", "memory", "us-west2").usd == pytest.approx(0.0000035)
    assert book.price("vertex-endpoint", "machine/n1-standard-2", "us-central1").usd == pytest.approx(0.1095)
    vertex_eu = book.price("vertex-endpoint", "machine/n1-standard-2", "europe-west1")
    assert vertex_eu.source.confidence == "unconfirmed"  # the catalog gave no europe-west1 price: kept, flagged
    refreshed = book.price("cloud-run", "instance-cpu", "us-central1")
    assert refreshed.source.confidence == "verified" and refreshed.source.retrieved == "2026-11-29"


def test_refresh_gcp_dry_run(monkeypatch, catalog_client):
    client, _ = catalog_client
    monkeypatch.setattr(refresh_gcp, "make_catalog_client", lambda: client)
    report = run_refresh("gcp", dry_run=True, today=TODAY)
    assert report[0].startswith("gcp: 1 changed,") and report[-1] == "dry run: nothing written"
