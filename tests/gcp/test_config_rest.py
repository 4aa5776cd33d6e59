"""Configuration from the Cloud Run Admin API v2 and the Vertex AI API v1: parsing and REST paging."""

from __future__ import annotations

import pytest
import requests

from collectors.gcp.config_rest import (
    ConfigFetchError,
    list_run_services,
    list_vertex_endpoints,
    parse_cpu,
    parse_memory_mb,
    parse_run_service,
    parse_vertex_endpoint,
)
from collectors.gcp.machines import machine_vcpus


@pytest.mark.parametrize(
    ("text", "vcpu"), [("1", 1.0), ("2", 2.0), ("1000m", 1.0), ("500m", 0.5), ("0.5", 0.5), ("lots", None)]
)
def test_parse_cpu(text, vcpu):
    assert parse_cpu(text) == vcpu


@pytest.mark.parametrize(
    ("text", "mb"), [("512Mi", 512), ("1Gi", 1024), ("2G", 1907), ("4Gi", 4096), ("128M", 122), ("big", None)]
)
def test_parse_memory(text, mb):
    assert parse_memory_mb(text) == mb


def service(resources: dict, **template: object) -> dict:
    return {
        "name": "projects/p/locations/l/services/svc",
        "template": {"containers": [{"resources": resources}], **template},
    }


def test_cpu_idle_false_is_instance_based_and_true_request_based():
    on = parse_run_service(service({"limits": {"cpu": "1", "memory": "512Mi"}, "cpuIdle": False}), "l")
    off = parse_run_service(service({"limits": {"cpu": "1", "memory": "512Mi"}, "cpuIdle": True}), "l")
    assert on.values["billing_mode"] == "instance-based" and "billing_mode" not in on.assumed
    assert off.values["billing_mode"] == "request-based" and "billing_mode" not in off.assumed


def test_v1_cpu_throttling_annotation_is_honoured_and_absence_is_assumed():
    doc = service({"limits": {"cpu": "2", "memory": "1Gi"}}, annotations={"run.googleapis.com/cpu-throttling": "false"})
    assert parse_run_service(doc, "l").values["billing_mode"] == "instance-based"
    bare = parse_run_service({"name": "projects/p/locations/l/services/bare", "template": {}}, "l")
    assert bare.values == {
        "vcpu": 1.0,
        "memory_mb": 512,
        "min_instances": 0,
        "max_instances": 100,
        "billing_mode": "request-based",
    }
    assert bare.assumed == {"vcpu", "memory_mb", "min_instances", "max_instances", "billing_mode"}


def test_sidecars_gpus_concurrency_and_service_level_min_instances():
    doc = {
        "name": "projects/p/locations/l/services/gpu",
        "scaling": {"minInstanceCount": 2},
        "template": {
            "containers": [
                {"resources": {"limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}, "cpuIdle": False}},
                {"resources": {"limits": {"cpu": "1", "memory": "512Mi"}}},
            ],
            "nodeSelector": {"accelerator": "nvidia-l4"},
            "scaling": {"minInstanceCount": 1, "maxInstanceCount": 3},
            "maxInstanceRequestConcurrency": 4,
        },
    }
    found = parse_run_service(doc, "us-central1")
    assert found.name == "gpu" and found.region == "us-central1"
    assert found.values == {
        "vcpu": 5.0,
        "memory_mb": 16896,
        "min_instances": 2,
        "max_instances": 3,
        "max_concurrency": 4,
        "accelerator_count": 1,
        "accelerator_type": "nvidia-l4",
        "billing_mode": "instance-based",
    }
    assert not found.assumed


def deployed(model_id: str, machine: str, lo: int, hi: int | None = None, gpu: str | None = None) -> dict:
    spec = {"machineType": machine, **({"acceleratorType": gpu, "acceleratorCount": 1} if gpu else {})}
    resources = {"machineSpec": spec, "minReplicaCount": lo, **({"maxReplicaCount": hi} if hi else {})}
    return {"id": model_id, "dedicatedResources": resources}


def test_vertex_single_model_and_max_defaulting_to_min():
    doc = {"name": "projects/p/locations/l/endpoints/42", "deployedModels": [deployed("a", "n1-standard-8", 2)]}
    found = parse_vertex_endpoint(doc, "europe-west4")
    assert found.name == "42"
    assert found.values == {"min_instances": 2, "max_instances": 2, "instance_type": "n1-standard-8", "vcpu": 8.0}
    assert found.deployed_model_vcpus == {"a": 8.0} and not found.assumed


def test_vertex_mixed_machines_take_the_busiest_and_say_so():
    doc = {
        "name": "projects/p/locations/l/endpoints/7",
        "deployedModels": [deployed("a", "n1-standard-2", 1, 2), deployed("b", "g2-standard-8", 1, 4, "NVIDIA_L4")],
        "trafficSplit": {"a": 10, "b": 90},
    }
    found = parse_vertex_endpoint(doc, "l")
    assert found.values["instance_type"] == "g2-standard-8" and found.values["accelerator_type"] == "NVIDIA_L4"
    assert (found.values["min_instances"], found.values["max_instances"]) == (2, 6)
    assert {"instance_type", "vcpu"} <= found.assumed
    assert found.deployed_model_vcpus == {"a": 2.0, "b": 8.0}
    assert "most traffic" in found.notes[0]


@pytest.mark.parametrize(
    ("machine", "vcpus"),
    [("n1-standard-4", 4.0), ("e2-highmem-16", 16.0), ("a2-highgpu-1g", 12.0), ("ct5lp-hightpu-1t", None), ("", None)],
)
def test_machine_vcpus(machine, vcpus):
    assert machine_vcpus(machine) == vcpus


def test_rest_listing_follows_page_tokens(rest):
    for name in ("a", "b", "c"):
        rest.fake.add_service("acme-ml", "us-central1", name, {"template": {}})
    calls = []
    found = list_run_services(
        requests.Session(), rest.url, "acme-ml", "us-central1", timeout_s=5, count_call=lambda: calls.append(1)
    )
    assert [f.name for f in found] == ["a", "b", "c"] and len(calls) == 3
    tokens = [r["query"].get("pageToken") for r in rest.fake.requests]
    assert tokens == [None, "1", "2"]


def nothing() -> None:
    pass


def test_rest_errors_are_one_line_and_transient_ones_retried(rest, pauses):
    rest.fake.failures["acme-ml"] = 403
    with pytest.raises(ConfigFetchError, match=r"^HTTP 403 PERMISSION_DENIED from http://127\.0\.0\.1:\d+$"):
        list_vertex_endpoints(
            requests.Session(), rest.url, "acme-ml", "us-central1", timeout_s=5, count_call=lambda: None
        )
    assert not pauses
    rest.fake.failures["acme-ml"] = 503
    with pytest.raises(ConfigFetchError, match="HTTP 503 UNAVAILABLE"):
        list_vertex_endpoints(
            requests.Session(), rest.url, "acme-ml", "us-central1", timeout_s=5, count_call=lambda: None
        )
    assert len(pauses) == 2  # three attempts in all
