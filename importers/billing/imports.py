"""A billing export as one file of an import (the CLI's ``import`` and the Upload page), beside metrics files.

The same rules as a metrics file: it is read once and checked completely (``read_billing_file``, then the
store's own check of the batch, ``store.billing.check_billing``) before anything is written, so the page's
preview shows the store's verdict; a rejected file writes nothing. Bills of one format dropped together are
written as **one** batch (``combine_billing``): AWS delivers a large month in parts, and a part written on
its own would replace the parts before it. Each batch is one transaction, in which a re-issued month
replaces the rows stored for the same provider, month and account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

from common.progress import ProgressFn
from importers.billing import combine_billing, read_billing_file
from importers.files import InputFile
from importers.problems import ImportRejected
from store.billing import (
    BillingBatch,
    BillingPreview,
    BillingWriteSummary,
    check_billing,
    preview_billing,
    write_billing,
)
from store.errors import BatchError

if TYPE_CHECKING:  # pandas only for the page's preview
    import pandas as pd

PREVIEW_KEYS = ("billing_period", "account", "service_name", "charge_category")


@dataclass
class PreparedBill:
    """A billing file read and checked by the store, ready to write (or to show in a preview)."""

    file: InputFile
    format: str
    batch: BillingBatch
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.batch.rows_read

    @property
    def charge_rows(self) -> int:
        return self.batch.charges.num_rows

    @property
    def billed_usd(self) -> float:
        return float(pc.sum(self.batch.charges["billed_cost"]).as_py() or 0.0)

    @property
    def resource_ids(self) -> int:
        """Distinct resources the bill names (by parsed identity), matched or not."""
        named = self.batch.charges.filter(pc.is_valid(self.batch.charges["match_name"]))
        keys = named.select(["match_family", "match_account", "match_region", "match_name"])
        return keys.group_by(keys.column_names).aggregate([]).num_rows

    def periods(self) -> list[tuple[str, str, str]]:
        """(provider, billing period, account) this file brings: the months a write replaces."""
        return self.batch.periods()

    def preview(self) -> pd.DataFrame:
        """Billed and effective cost per month, account, service and charge category, with its days."""
        charges = self.batch.charges.append_column(
            "effective", pc.coalesce(self.batch.charges["effective_cost"], self.batch.charges["billed_cost"])
        )
        table = charges.group_by(list(PREVIEW_KEYS)).aggregate(
            [("billed_cost", "sum"), ("effective", "sum"), ("day", "min"), ("day", "max")]
        )
        frame = table.to_pandas().rename(
            columns={
                "billed_cost_sum": "billed_usd",
                "effective_sum": "effective_usd",
                "day_min": "first_day",
                "day_max": "last_day",
            }
        )
        return frame.sort_values(list(PREVIEW_KEYS)).reset_index(drop=True)

    def against(self, db_path: Path) -> BillingPreview | None:
        """What the write would match and replace in ``db_path`` (read-only; None with no database yet)."""
        return preview_billing(db_path, self.batch)


@dataclass
class BillResult:
    """What one billing batch did (``summary``, once written) or would do (a dry run)."""

    files: list[str]
    format: str
    sha256: str
    upload_id: str
    rows: int
    summary: BillingWriteSummary | None
    notes: list[str]

    @property
    def file(self) -> str:
        return self.files[0] if len(self.files) == 1 else f"{self.files[0]} + {len(self.files) - 1} more"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "files": list(self.files),
            "kind": "billing",
            "format": self.format,
            "sha256": self.sha256,
            "upload_id": self.upload_id,
            "rows": self.rows,
            "already_imported": self.summary.upload_known if self.summary is not None else False,
            "notes": self.notes,
        }
        if self.summary is not None:
            out.update(self.summary.as_dict())
        return out


def prepare_bill(
    file: InputFile, fmt: str | None = None, *, notes: list[str] | None = None, progress: ProgressFn | None = None
) -> PreparedBill:
    """Read and check one billing file, the store's check included; raises ImportRejected, writing nothing."""
    batch = read_billing_file(file.path, file.name, billing_format=fmt, progress=progress)
    try:
        check_billing(batch)
    except BatchError as exc:
        raise ImportRejected.single(file.name, str(exc)) from None
    return PreparedBill(file, batch.upload.format, batch, [*(notes or []), *batch.notes])


def groups(bills: list[PreparedBill]) -> list[list[PreparedBill]]:
    """Bills written together: one group per format, in the order first seen (the same file twice counts once)."""
    out: dict[str, list[PreparedBill]] = {}
    seen: set[str] = set()
    for bill in bills:
        if bill.batch.upload.upload_id in seen:
            continue
        seen.add(bill.batch.upload.upload_id)
        out.setdefault(bill.format, []).append(bill)
    return list(out.values())


def result_of(group: list[PreparedBill], summary: BillingWriteSummary | None = None) -> BillResult:
    batch = combine_billing([b.batch for b in group])
    return BillResult(
        files=[b.file.name for b in group],
        format=batch.upload.format,
        sha256=batch.upload.sha256,
        upload_id=batch.upload.upload_id,
        rows=batch.rows_read,
        summary=summary,
        notes=[note for b in group for note in b.notes],
    )


def write_bills(db_path: Path, bills: list[PreparedBill], progress: ProgressFn | None = None) -> list[BillResult]:
    """Write the prepared bills, one transaction per format group; a BatchError becomes a rejection."""
    results = []
    batches = groups(bills)
    for index, group in enumerate(batches):
        if progress:
            progress(index / len(batches), f"{group[0].file.name}: writing")
        batch = combine_billing([b.batch for b in group])
        try:
            summary = write_billing(db_path, batch)
        except BatchError as exc:
            raise ImportRejected.single(batch.upload.file_name, str(exc)) from None
        results.append(result_of(group, summary))
    if progress:
        progress(1.0, "written")
    return results


def charges_without_ids(bill: PreparedBill) -> float:
    """Billed cost of the rows that name no resource (shown before import: it can only be unmatched spend)."""
    charges = bill.batch.charges
    missing = charges.filter(pc.is_null(charges["billed_resource_id"]))
    return float(pc.sum(missing["billed_cost"]).as_py() or 0.0) if missing.num_rows else 0.0


__all__ = ["BillResult", "PreparedBill", "charges_without_ids", "groups", "prepare_bill", "write_bills"]
