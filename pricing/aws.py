"""Cost models for AWS services: Lambda, SageMaker real-time endpoints, SageMaker Serverless Inference."""

from __future__ import annotations

import math

from common import limits
from pricing.book import Price, PriceBook
from pricing.errors import MissingPriceError, UsageError
from pricing.lines import CostLine, Estimate, flat_line, tiered_lines
from pricing.usage import LambdaUsage, SageMakerEndpointUsage, SageMakerServerlessUsage

FREE_TIER_NOTE = "free tier applied as if this were the account's only usage (free tiers are account-wide)"


def estimate_lambda(usage: LambdaUsage, book: PriceBook) -> Estimate:
    """Requests + on-demand GB-s (tiered) + provisioned concurrency + ephemeral storage above 512 MB.

    The free tier (when asked for) covers requests and on-demand duration, never provisioned concurrency,
    exactly as AWS's provisioned-concurrency worked example applies it.
    """
    book.check_region("lambda", usage.region)
    arch, region = usage.architecture, usage.region
    memory_gb = usage.memory_mb / 1024
    provisioned = usage.provisioned
    provisioned_requests = provisioned.requests if provisioned else 0.0
    on_demand_seconds = (usage.requests - provisioned_requests) * usage.avg_duration_ms / 1000
    provisioned_run_seconds = provisioned_requests * provisioned.avg_duration_ms / 1000 if provisioned else 0.0
    notes = []
    lines: list[CostLine] = []

    request_price = book.price("lambda", f"requests-{arch}", region)
    free_requests = free_quantity(book, "lambda", "requests", usage.free_tier)
    billable_requests = max(0.0, usage.requests - free_requests)
    lines.append(flat_line("Requests", billable_requests, request_price, free_note(free_requests, "requests")))

    duration_price = book.price("lambda", f"duration-{arch}", region)
    on_demand_gbs = on_demand_seconds * memory_gb
    free_gbs = min(on_demand_gbs, free_quantity(book, "lambda", "duration", usage.free_tier))
    duration_lines = tiered_lines(
        f"Duration {arch}", duration_price, free_gbs, on_demand_gbs, free_note(free_gbs, "GB-seconds")
    )
    lines.extend(duration_lines or [flat_line(f"Duration {arch}", 0.0, duration_price, free_note(free_gbs, "GB-s"))])

    if provisioned:
        increment = limits.LAMBDA_PROVISIONED_INCREMENT_S
        billed_seconds = math.ceil(provisioned.seconds / increment) * increment
        if billed_seconds != provisioned.seconds:
            notes.append(
                f"provisioned concurrency time rounded up to 5 minutes: {provisioned.seconds:g} s -> "
                f"{billed_seconds:g} s"
            )
        pc_price = book.price("lambda", f"provisioned-concurrency-{arch}", region)
        pc_gbs = provisioned.concurrency * memory_gb * billed_seconds
        lines.append(
            flat_line(
                "Provisioned concurrency",
                pc_gbs,
                pc_price,
                f"{provisioned.concurrency} x {memory_gb:g} GB x {billed_seconds:g} s",
            )
        )
        pc_duration_price = book.price("lambda", f"provisioned-duration-{arch}", region)
        lines.append(
            flat_line("Duration with provisioned concurrency", provisioned_run_seconds * memory_gb, pc_duration_price)
        )

    extra_storage_gb = (usage.ephemeral_storage_mb - limits.LAMBDA_EPHEMERAL_FREE_MB) / 1024
    if extra_storage_gb > 0:
        storage_price = book.price("lambda", f"ephemeral-storage-{arch}", region)
        storage_gbs = extra_storage_gb * (on_demand_seconds + provisioned_run_seconds)
        lines.append(
            flat_line(
                "Ephemeral storage above 512 MB",
                storage_gbs,
                storage_price,
                f"{usage.ephemeral_storage_mb - 512:g} MB x execution seconds",
            )
        )
    if usage.free_tier:
        notes.append(FREE_TIER_NOTE)
    notes.append(
        "duration volume tiers apply to the account's monthly total per architecture and region; "
        "priced as if this function were alone"
    )
    return Estimate("lambda", region, tuple(lines), tuple(notes))


def estimate_sagemaker_endpoint(usage: SageMakerEndpointUsage, book: PriceBook) -> Estimate:
    """Instance-hours × instance count at the on-demand hosting price."""
    book.check_region("sagemaker-endpoint", usage.region)
    price = machine_price(book, "sagemaker-endpoint", f"instance/{usage.instance_type}", usage.region, "instance_type")
    quantity = usage.instance_count * usage.hours
    line = flat_line(
        f"Hosting {usage.instance_type}", quantity, price, f"{usage.instance_count:g} instance(s) x {usage.hours:g} h"
    )
    notes = ["always on: billed per instance-hour whether or not requests arrive"]
    if usage.free_tier:
        notes.append("SageMaker's free tier only covers the first two months after sign-up; not applied")
    return Estimate("sagemaker-endpoint", usage.region, (line,), tuple(notes))


def estimate_sagemaker_serverless(usage: SageMakerServerlessUsage, book: PriceBook) -> Estimate:
    """Inference seconds at the memory size's per-second price, plus data processed in and out."""
    book.check_region("sagemaker-serverless", usage.region)
    memory = int(usage.memory_mb)
    duration_price = book.price("sagemaker-serverless", f"duration/{memory}", usage.region)
    seconds = usage.requests * usage.avg_duration_ms / 1000
    lines = [
        flat_line(
            f"Inference duration ({memory} MB)",
            seconds,
            duration_price,
            f"{usage.requests:g} requests x {usage.avg_duration_ms:g} ms",
        ),
        flat_line("Data processed in", usage.data_in_gb, book.price("sagemaker-serverless", "data-in", usage.region)),
        flat_line(
            "Data processed out", usage.data_out_gb, book.price("sagemaker-serverless", "data-out", usage.region)
        ),
    ]
    notes = ["model setup (cold start) time adds latency; assumed not billed as inference duration"]
    if usage.free_tier:
        notes.append("SageMaker's free tier only covers the first two months after sign-up; not applied")
    return Estimate("sagemaker-serverless", usage.region, tuple(lines), tuple(notes))


def machine_price(book: PriceBook, service: str, item: str, region: str, key: str) -> Price:
    """The price of an instance/machine type, as an input error naming ``key`` when it is unknown."""
    try:
        return book.price(service, item, region)
    except MissingPriceError as exc:
        raise UsageError(key, str(exc)) from exc


def free_quantity(book: PriceBook, service: str, item: str, enabled: bool) -> float:
    tier = book.free_tier(service, item) if enabled else None
    return tier.quantity if tier else 0.0


def free_note(deducted: float, unit: str) -> str:
    return f"{deducted:,.0f} {unit} free tier deducted" if deducted else ""
