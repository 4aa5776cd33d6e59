"""A one-function estate and its CUR, small enough to check every billed figure by hand (report, Costs page).

``scorer`` (Lambda, 1,024 MB, x86_64) serves 100,000 requests of exactly 100 ms every hour of 1–10 November
(Logs Insights' billed duration, so the model has no rounding to estimate): 2.4 M requests and 240,000
GB-seconds a day, $4.480008 a day at list prices. Its account's CUR bills those days at a negotiated
duration rate, plus a function Breakeven does not know and log ingestion without a resource id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from demo.bills.writers import write_csv
from importers.billing import read_billing_file
from store.billing import write_billing
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.billing.specimens import ACCOUNT, LAMBDA_ARN, cur_row

NOV = datetime(2026, 11, 1)
DAYS = 10
REQUESTS_PER_HOUR, DURATION_MS, MEMORY_GB = 100_000, 100.0, 1.0
REQUESTS_PER_DAY = 24 * REQUESTS_PER_HOUR  # 2.4 M
GB_S_PER_DAY = REQUESTS_PER_DAY * DURATION_MS / 1000 * MEMORY_GB  # 240,000 GB-s
LIST_GB_S_RATE, REQUEST_RATE = 1.66667e-5, 2e-7  # the bundled sheet's us-east-1 x86_64 prices
BILLED_GB_S_RATE = 1.5e-5  # a negotiated rate
GHOST_PER_DAY, LOGS_PER_DAY = 0.5, 0.25  # a function Breakeven does not know; log ingestion without a resource id
SCORER = ResourceRecord("lambda", ACCOUNT, "us-east-1", "scorer")


def write_small_estate(path: Path) -> Path:
    """The function's hourly metrics for the ten days (no bill)."""
    rows = [
        (SCORER.resource_id, metric, NOV + timedelta(hours=h), 3600, value, "t")
        for h in range(DAYS * 24)
        for metric, value in (
            ("invocations", float(REQUESTS_PER_HOUR)),
            ("duration_ms_avg", DURATION_MS),
            ("billed_duration_ms_sum", REQUESTS_PER_HOUR * DURATION_MS),
        )
    ]
    config = ConfigRecord(SCORER.resource_id, NOV, {"memory_mb": 1024, "architecture": "x86_64"}, "t")
    write_batch(path, Batch(resources=[SCORER], configs=[config], metrics=metrics_frame(rows)))
    return path


def small_cur_lines(gb_s_rate: float = BILLED_GB_S_RATE, *, resource_ids: bool = True) -> list[dict]:
    """The account's CUR 2.0 lines, one per day and usage; ``resource_ids=False`` is an export made without them."""
    lines = []
    for day in range(DAYS):
        start, end = NOV + timedelta(days=day), NOV + timedelta(days=day + 1)
        when = {"line_item_usage_start_date": start, "line_item_usage_end_date": end}
        requests, duration = REQUESTS_PER_DAY * REQUEST_RATE, GB_S_PER_DAY * gb_s_rate
        lines += [
            cur_row(
                identity_line_item_id=f"req-{day}", line_item_usage_type="USE1-Request",
                line_item_usage_amount=float(REQUESTS_PER_DAY), pricing_unit="Requests",
                line_item_unblended_cost=requests, pricing_public_on_demand_cost=requests, **when,
            ),
            cur_row(
                identity_line_item_id=f"gbs-{day}", line_item_usage_amount=GB_S_PER_DAY,
                line_item_unblended_cost=duration, pricing_public_on_demand_cost=GB_S_PER_DAY * LIST_GB_S_RATE,
                **when,
            ),
            cur_row(
                identity_line_item_id=f"ghost-{day}", line_item_resource_id=LAMBDA_ARN.replace("scorer", "ghost"),
                line_item_unblended_cost=GHOST_PER_DAY, pricing_public_on_demand_cost=GHOST_PER_DAY, **when,
            ),
            cur_row(
                identity_line_item_id=f"logs-{day}", line_item_product_code="AmazonCloudWatch",
                line_item_usage_type="USE1-DataProcessing-Bytes", line_item_resource_id="", pricing_unit="GB",
                line_item_unblended_cost=LOGS_PER_DAY, pricing_public_on_demand_cost=LOGS_PER_DAY, **when,
            ),
        ]  # fmt: skip
    if not resource_ids:
        for line in lines:
            line["line_item_resource_id"] = ""
    return lines


def import_cur(path: Path, file: Path, lines: list[dict]) -> None:
    """Write ``lines`` as a CUR 2.0 CSV named ``file`` and import it (a re-issued month replaces)."""
    write_billing(path, read_billing_file(write_csv(file, lines)))
