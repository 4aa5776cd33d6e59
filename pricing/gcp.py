"""Cost models for Google Cloud: Cloud Functions (1st gen), Cloud Run (both billing modes), Vertex AI endpoints."""

from __future__ import annotations

import math

from pricing.aws import FREE_TIER_NOTE, free_note, free_quantity, machine_price
from pricing.book import PriceBook
from pricing.errors import SheetError
from pricing.lines import CostLine, Estimate, flat_line
from pricing.usage import CloudFunctionsUsage, CloudRunUsage, VertexEndpointUsage


def region_tier(book: PriceBook, service: str, region: str) -> int:
    book.check_region(service, region)
    tiers = book.fact(service, "region_tier")
    if region not in tiers:
        raise SheetError(f"price sheets give no pricing tier for {service} in {region}")
    return int(tiers[region])


def gcf_ghz(book: PriceBook, memory_mb: float) -> float:
    """Clock speed (GHz) that Cloud Functions 1st gen allocates with a memory size."""
    return float(book.fact("cloud-functions", "memory_ghz")[str(int(memory_mb))])


def _free_in_region(book: PriceBook, service: str, item: str, region: str, enabled: bool) -> float:
    """Free allowance in the region's units: Google values free tiers at Tier 1 prices, so in a Tier 2
    region the same dollar credit buys fewer units."""
    quantity = free_quantity(book, service, item, enabled)
    if not quantity:
        return 0.0
    tiers = book.fact(service, "region_tier")
    tier1_regions = sorted(r for r, tier in tiers.items() if tier == 1 and f"{service}/{item}/{r}" in book.prices)
    if not tier1_regions:
        return quantity
    tier1_usd = book.price(service, item, tier1_regions[0]).usd
    here_usd = book.price(service, item, region).usd
    return quantity * tier1_usd / here_usd if here_usd else quantity


def _line_after_free(
    item: str,
    label: str,
    quantity: float,
    book: PriceBook,
    usage_service: str,
    region: str,
    free_tier: bool,
    unit_word: str,
) -> CostLine:
    price = book.price(usage_service, item, region)
    free = min(quantity, _free_in_region(book, usage_service, item, region, free_tier))
    return flat_line(label, quantity - free, price, free_note(free, unit_word))


def estimate_cloud_functions(usage: CloudFunctionsUsage, book: PriceBook) -> Estimate:
    """Invocations + GB-s + GHz-s (compute time rounded up to 100 ms) + egress, Tier 1 or Tier 2."""
    tier = region_tier(book, "cloud-functions", usage.region)
    increment = book.fact("cloud-functions", "billing_increment_ms")
    billed_ms = usage.avg_duration_ms if usage.rounded else math.ceil(usage.avg_duration_ms / increment) * increment
    seconds = usage.requests * billed_ms / 1000
    memory_gb = usage.memory_mb / 1024
    ghz = gcf_ghz(book, usage.memory_mb)
    region, free = usage.region, usage.free_tier
    notes = [f"pricing tier {tier} region"]
    if usage.rounded:
        notes.append("compute time billed per request, each rounded up to 100 ms")
    elif billed_ms != usage.avg_duration_ms:
        notes.append(
            f"compute time rounded up to 100 ms: average {usage.avg_duration_ms:g} ms billed as {billed_ms:g}"
            " ms (rounding the average understates per-request rounding)"
        )
    lines = [
        _line_after_free(
            "invocations", "Invocations", usage.requests, book, "cloud-functions", region, free, "invocations"
        ),
        _line_after_free(
            "memory",
            f"Compute memory ({usage.memory_mb:g} MB)",
            seconds * memory_gb,
            book,
            "cloud-functions",
            region,
            free,
            "GB-seconds",
        ),
        _line_after_free(
            "cpu", f"Compute CPU ({ghz:g} GHz)", seconds * ghz, book, "cloud-functions", region, free, "GHz-seconds"
        ),
        _line_after_free("egress", "Network egress", usage.egress_gb, book, "cloud-functions", region, free, "GB"),
    ]
    if free:
        notes.append(FREE_TIER_NOTE)
    return Estimate("cloud-functions", region, tuple(lines), tuple(notes))


def estimate_cloud_run(usage: CloudRunUsage, book: PriceBook) -> Estimate:
    """Request-based: vCPU-s + GiB-s of billable instance time + requests (+ idle min instances).
    Instance-based: vCPU-s + GiB-s of the instances' whole lifetime, no request fee."""
    tier = region_tier(book, "cloud-run", usage.region)
    region, free = usage.region, usage.free_tier
    vcpu_s = usage.vcpu * usage.billable_instance_seconds
    gib_s = usage.memory_gib * usage.billable_instance_seconds
    notes = [f"pricing tier {tier} region", f"{usage.billing}-based billing"]
    if usage.billing == "request":
        lines = [
            _line_after_free(
                "request-cpu", "CPU (request-based)", vcpu_s, book, "cloud-run", region, free, "vCPU-seconds"
            ),
            _line_after_free(
                "request-memory", "Memory (request-based)", gib_s, book, "cloud-run", region, free, "GiB-seconds"
            ),
            _line_after_free("requests", "Requests", usage.requests, book, "cloud-run", region, free, "requests"),
        ]
        if usage.idle_min_instance_seconds:
            idle = usage.idle_min_instance_seconds
            lines.append(
                flat_line("Idle min-instance CPU", usage.vcpu * idle, book.price("cloud-run", "idle-min-cpu", region))
            )
            lines.append(
                flat_line(
                    "Idle min-instance memory",
                    usage.memory_gib * idle,
                    book.price("cloud-run", "idle-min-memory", region),
                )
            )
    else:
        lines = [
            _line_after_free(
                "instance-cpu", "CPU (instance-based)", vcpu_s, book, "cloud-run", region, free, "vCPU-seconds"
            ),
            _line_after_free(
                "instance-memory", "Memory (instance-based)", gib_s, book, "cloud-run", region, free, "GiB-seconds"
            ),
        ]
        notes.append("no per-request fee with instance-based billing (unconfirmed)")
    if free:
        notes.append(FREE_TIER_NOTE)
    return Estimate("cloud-run", region, tuple(lines), tuple(notes))


def estimate_vertex_endpoint(usage: VertexEndpointUsage, book: PriceBook) -> Estimate:
    """Replica (node) hours × replicas at the machine type's node-hour price."""
    book.check_region("vertex-endpoint", usage.region)
    price = machine_price(book, "vertex-endpoint", f"machine/{usage.machine_type}", usage.region, "machine_type")
    line = flat_line(
        f"Prediction nodes {usage.machine_type}",
        usage.replicas * usage.hours,
        price,
        f"{usage.replicas:g} replica(s) x {usage.hours:g} h",
    )
    notes = ["no scale to zero: every deployed replica is billed", "billing granularity (per second?) unconfirmed"]
    return Estimate("vertex-endpoint", usage.region, (line,), tuple(notes))
