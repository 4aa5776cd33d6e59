"""Billed charges from billing exports: the batch an importer hands over, and its one-transaction write.

A billing export (FOCUS, AWS CUR 2.0, the Google Cloud detailed export) is read and checked by
``importers.billing``, which hands over a :class:`BillingBatch`: one row per billing period, account, UTC
day, resource as billed, charge category and usage type, with the four cost columns kept apart. This
module validates the batch before it opens the file, then writes it in **one short transaction**:

- a re-issued month **replaces** that month's rows for the same account: every stored row whose
  (provider, billing period, account) the batch brings is deleted first, so importing a file twice, or a
  corrected export of the same month, never adds to what was there;
- each row is matched to a Breakeven resource (``resource_id``) by the identity the importer parsed from the
  resource id as billed (``match_family``, ``match_account``, ``match_region``, ``match_name``); rows that match
  nothing, or carry no resource id, are kept with ``resource_id`` NULL: they are unmatched spend, never dropped;
- the upload record names the file every row came from.

Matching is repeated by the reads (``store.billing_queries``), so a bill imported before its resources'
metrics is attributed once the resources exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from store.db import connect, read_as_is
from store.errors import BatchError
from store.summaries import advance_data_version
from store.writes import UploadRecord, upload_row

# The formats a batch may come from (the upload record's ``format``).
BILLING_FORMATS = ("focus", "cur2", "cur-legacy", "gcp-billing")

# Charge categories, normalised across formats (each importer maps its own labels onto these).
CHARGE_CATEGORIES: dict[str, str] = {
    "usage": "usage at the rate paid (on-demand or negotiated)",
    "commitment_usage": "usage covered by a Savings Plan, reservation or committed-use discount",
    "commitment_negation": "the line that cancels covered usage's on-demand cost (CUR negation, GCP CUD credits)",
    "commitment_fee": "commitment fees: Savings Plan / reservation purchases, recurring fees, unused commitment",
    "credit": "credits: promotions, free tier, sustained-use and other credits",
    "discount": "negotiated and volume discounts (EDP, private pricing, bundled discounts)",
    "tax": "tax",
    "refund": "refunds and corrections to an earlier invoice",
    "fee": "other fees (support, marketplace, one-off fees)",
    "adjustment": "adjustments and rounding",
    "purchase": "other purchases",
}
# Categories that carry the resource's usage itself (their quantities are the usage billed).
USAGE_CATEGORIES = ("usage", "commitment_usage")
# Categories that, naming no resource, are the account's own charges rather than unmatched usage.
ACCOUNT_CATEGORIES = ("tax", "refund", "fee", "adjustment", "purchase", "commitment_fee")

# Which Breakeven services a parsed resource identity may name. A Cloud Run resource name may be a
# Cloud Functions (2nd gen) function, which runs as a Cloud Run service of the same name; a SageMaker
# endpoint ARN does not say whether the endpoint is real-time or serverless.
FAMILY_SERVICES: dict[str, tuple[str, ...]] = {
    "lambda": ("lambda",),
    "sagemaker": ("sagemaker-endpoint", "sagemaker-serverless"),
    "cloud-run": ("cloud-run", "cloud-functions"),
    "cloud-functions": ("cloud-functions",),
    "vertex": ("vertex-endpoint",),
}

CHARGE_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("billing_period", pa.date32()),
        ("account", pa.string()),
        ("billing_account", pa.string()),
        ("day", pa.date32()),
        ("region", pa.string()),
        ("service_name", pa.string()),
        ("billed_resource_id", pa.string()),
        ("match_family", pa.string()),
        ("match_account", pa.string()),
        ("match_region", pa.string()),
        ("match_name", pa.string()),
        ("charge_category", pa.string()),
        ("charge_type", pa.string()),
        ("usage_type", pa.string()),
        ("usage_unit", pa.string()),
        ("usage_quantity", pa.float64()),
        ("billed_cost", pa.float64()),
        ("effective_cost", pa.float64()),
        ("list_cost", pa.float64()),
        ("contracted_cost", pa.float64()),
        ("currency", pa.string()),
    ]
)
REQUIRED_COLUMNS = ("provider", "billing_period", "account", "day", "service_name", "charge_category", "billed_cost")
COST_COLUMNS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")


@dataclass(frozen=True)
class BillingBatch:
    """What an importer hands the store: daily charges (``CHARGE_SCHEMA``) and the file they came from."""

    charges: pa.Table
    upload: UploadRecord
    notes: tuple[str, ...] = ()
    rows_read: int = 0  # rows in the file(s), before the split into days

    def periods(self) -> list[tuple[str, str, str]]:
        """The (provider, billing period, account) triples this batch replaces."""
        keys = self.charges.select(["provider", "billing_period", "account"]).group_by(
            ["provider", "billing_period", "account"]
        )
        table = keys.aggregate([]).sort_by([("provider", "ascending"), ("billing_period", "ascending")])
        return [
            (p, str(d), a)
            for p, d, a in zip(
                table["provider"].to_pylist(),
                table["billing_period"].to_pylist(),
                table["account"].to_pylist(),
                strict=True,
            )
        ]


@dataclass(frozen=True)
class BillingWriteSummary:
    rows: int
    replaced: int  # stored rows of the same billing periods and accounts that this write replaced
    matched_rows: int
    resources: int  # distinct Breakeven resources the charges matched
    billed_usd: float
    unmatched_billed_usd: float  # usage (and credits…) matching no resource or naming none: unmatched spend
    account_charges_usd: float = 0.0  # tax, commitment fees, refunds… that name no resource
    periods: list[tuple[str, str, str]] = field(default_factory=list)
    upload_known: bool = False  # the same content (bytes and format) had been imported before
    replaced_files: list[str] = field(default_factory=list)  # earlier imports whose rows of these months it replaced

    def as_dict(self) -> dict[str, object]:
        return {
            "charge_rows": self.rows,
            "replaced_rows": self.replaced,
            "replaced_files": list(self.replaced_files),
            "matched_rows": self.matched_rows,
            "resources": self.resources,
            "billed_usd": round(self.billed_usd, 2),
            "unmatched_billed_usd": round(self.unmatched_billed_usd, 2),
            "account_charges_usd": round(self.account_charges_usd, 2),
            "periods": [{"provider": p, "billing_period": d, "account": a} for p, d, a in self.periods],
        }


_ACCOUNT_ROW = "c.charge_category IN (" + ", ".join(f"'{c}'" for c in ACCOUNT_CATEGORIES) + ")"
_INCOMING_PERIODS = "SELECT DISTINCT provider, billing_period, account FROM incoming_charges"


def families_sql() -> str:
    """The family → service pairs as an inline table (fixed vocabulary, no user text)."""
    pairs = ", ".join(
        f"('{family}', '{service}')" for family, services in FAMILY_SERVICES.items() for service in services
    )
    return f"(VALUES {pairs}) AS billing_families(family, service)"


def resolution_sql(identities: str) -> str:
    """SQL resolving distinct parsed identities (``identities`` selects the four match columns) to resources.

    Account and region must be equal; the name is compared exactly first, then without regard to case
    (SageMaker writes endpoint names in lower case in its ARNs), and an identity that would match several
    resources either way stays unmatched rather than being given to one of them.
    """
    return f"""
        SELECT i.match_family, i.match_account, i.match_region, i.match_name,
               CASE WHEN count(*) FILTER (WHERE r.name = i.match_name) = 1
                        THEN any_value(r.resource_id) FILTER (WHERE r.name = i.match_name)
                    WHEN count(*) FILTER (WHERE r.name = i.match_name) = 0 AND count(*) = 1
                        THEN any_value(r.resource_id)
               END AS resource_id
        FROM ({identities}) i
        JOIN {families_sql()} ON billing_families.family = i.match_family
        JOIN resources r ON r.service = billing_families.service AND r.account = i.match_account
             AND r.region = i.match_region AND lower(r.name) = lower(i.match_name)
        GROUP BY i.match_family, i.match_account, i.match_region, i.match_name
    """  # noqa: S608 - fixed SQL around a caller's fixed sub-select


def check_billing(batch: BillingBatch) -> pa.Table:
    """The batch's charges in the store's types; raises BatchError (nothing opened) when they are not fit."""
    table = batch.charges
    missing = [name for name in CHARGE_SCHEMA.names if name not in table.column_names]
    if missing:
        raise BatchError(f"billing batch from {batch.upload.file_name}: missing column(s) {', '.join(missing)}")
    try:
        table = table.select(CHARGE_SCHEMA.names).cast(CHARGE_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise BatchError(f"billing batch from {batch.upload.file_name}: {exc}") from None
    for name in REQUIRED_COLUMNS:
        if table[name].null_count:
            raise BatchError(f"billing batch from {batch.upload.file_name}: {name} is empty in some rows")
    known = pc.is_in(table["charge_category"], pa.array(list(CHARGE_CATEGORIES)))
    unknown = pc.unique(pc.filter(table["charge_category"], pc.invert(known)))
    if len(unknown):
        raise BatchError(
            f"billing batch from {batch.upload.file_name}: unknown charge category {unknown[0].as_py()!r}; "
            f"known: {', '.join(CHARGE_CATEGORIES)}"
        )
    for name in COST_COLUMNS:
        values = table[name].drop_null()
        if len(values) and not pc.all(pc.is_finite(values)).as_py():
            raise BatchError(f"billing batch from {batch.upload.file_name}: {name} is not finite in some rows")
    if batch.upload.format not in BILLING_FORMATS:
        raise BatchError(f"billing batch from {batch.upload.file_name}: unknown format {batch.upload.format!r}")
    return table


def write_billing(path: Path, batch: BillingBatch) -> BillingWriteSummary:
    """Validate, then replace the batch's billing periods × accounts with its rows, in one transaction."""
    charges = check_billing(batch)
    with connect(path, read_only=False) as con:
        con.register("incoming_charges", charges)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                summary = _replace_periods(con, batch)
                advance_data_version(con)  # the pages' bill beside the model changed
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        finally:
            con.unregister("incoming_charges")
    return summary


def _replace_periods(con: duckdb.DuckDBPyConnection, batch: BillingBatch) -> BillingWriteSummary:
    """Inside the write's transaction: delete the months × accounts the batch brings, insert its rows matched
    to the stored resources, record the upload (the first record of the same content is kept)."""
    upload_id = batch.upload.upload_id
    replaced_files = [
        str(row[0])
        for row in con.execute(
            f"""
            SELECT DISTINCT coalesce(u.file_name, b.upload_id) FROM billing_charges b
            JOIN ({_INCOMING_PERIODS}) k USING (provider, billing_period, account)
            LEFT JOIN uploads u USING (upload_id)
            WHERE b.upload_id <> ? ORDER BY 1
            """,  # noqa: S608 - fixed SQL
            [upload_id],
        ).fetchall()
    ]
    replaced = con.execute(
        f"""
        DELETE FROM billing_charges b USING ({_INCOMING_PERIODS}) k
        WHERE b.provider = k.provider AND b.billing_period = k.billing_period AND b.account = k.account
        """  # noqa: S608 - fixed SQL
    ).fetchall()[0][0]
    identities = (
        "SELECT DISTINCT match_family, match_account, match_region, match_name FROM incoming_charges "
        "WHERE match_name IS NOT NULL"
    )
    con.execute(
        f"""
        INSERT INTO billing_charges
        SELECT ?, c.provider, c.billing_period, c.account, c.billing_account, c.day, c.region,
               c.service_name, c.billed_resource_id, c.match_family, c.match_account, c.match_region,
               c.match_name, m.resource_id, c.charge_category, c.charge_type, c.usage_type, c.usage_unit,
               c.usage_quantity, c.billed_cost, c.effective_cost, c.list_cost, c.contracted_cost,
               c.currency
        FROM incoming_charges c
        LEFT JOIN ({resolution_sql(identities)}) m
          ON m.match_family = c.match_family AND m.match_account = c.match_account
         AND m.match_region = c.match_region AND m.match_name = c.match_name
        """,  # noqa: S608 - fixed SQL
        [upload_id],
    )
    rows, matched, resources, billed, unmatched, account = con.execute(
        f"""
        SELECT count(*), count(resource_id), count(DISTINCT resource_id), coalesce(sum(billed_cost), 0),
               coalesce(sum(billed_cost) FILTER (WHERE resource_id IS NULL AND NOT {_ACCOUNT_ROW}), 0),
               coalesce(sum(billed_cost) FILTER (WHERE resource_id IS NULL AND {_ACCOUNT_ROW}), 0)
        FROM billing_charges c WHERE upload_id = ?
        """,  # noqa: S608 - fixed SQL
        [upload_id],
    ).fetchall()[0]
    upload = replace(batch.upload, resources=int(resources))
    known = bool(con.execute("SELECT count(*) FROM uploads WHERE upload_id = ?", [upload_id]).fetchall()[0][0])
    if known:  # the first import's record is kept, as for metrics; what it matches now is updated
        con.execute("UPDATE uploads SET resources = ? WHERE upload_id = ?", [upload.resources, upload_id])
    else:
        con.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?)", upload_row(upload))
    return BillingWriteSummary(
        rows=int(rows),
        replaced=int(replaced),
        matched_rows=int(matched),
        resources=int(resources),
        billed_usd=float(billed),
        unmatched_billed_usd=float(unmatched),
        account_charges_usd=float(account),
        periods=batch.periods(),
        upload_known=known,
        replaced_files=replaced_files,
    )


def remove_bills(path: Path, name_prefix: str) -> int:
    """Delete, in one transaction, the charges and upload records of the bills whose recorded file name starts
    with ``name_prefix`` (the demo's, ``demo/``); the number of charge rows removed."""
    ids = "SELECT upload_id FROM uploads WHERE starts_with(file_name, ?)"
    with connect(path, read_only=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            removed = con.execute(
                f"DELETE FROM billing_charges WHERE upload_id IN ({ids})",  # noqa: S608 - fixed SQL
                [name_prefix],
            ).fetchall()
            con.execute(f"DELETE FROM uploads WHERE upload_id IN ({ids})", [name_prefix])  # noqa: S608 - fixed SQL
            advance_data_version(con)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return int(removed[0][0])


@dataclass(frozen=True)
class BillingPreview:
    """What writing a batch would do to this database, told before anything is written (the Upload page)."""

    identities: int  # distinct resources the bill names (parsed from its resource ids)
    matched: int  # of them, those that name a resource this database knows
    matched_usd: float  # billed cost of the rows that match a resource
    unmatched_usd: float  # billed cost of usage rows that match none or name none (kept as unmatched spend)
    account_usd: float  # tax, commitment fees… that name no resource
    stored_rows: int  # rows of the same months × accounts stored now: the write replaces them
    stored_files: list[str] = field(default_factory=list)


def preview_billing(path: Path, batch: BillingBatch) -> BillingPreview | None:
    """Match the batch against the stored resources and count what it would replace, read-only; None when
    there is no database yet (or one from before billing), where nothing matches and nothing is replaced."""
    charges = check_billing(batch)

    def read(con: duckdb.DuckDBPyConnection) -> BillingPreview:
        con.register("incoming_charges", charges)
        try:
            identities = (
                "SELECT DISTINCT match_family, match_account, match_region, match_name FROM incoming_charges "
                "WHERE match_name IS NOT NULL"
            )
            named, matched, matched_usd, unmatched_usd, account_usd = con.execute(
                f"""
                SELECT count(DISTINCT (c.match_family, c.match_account, c.match_region, c.match_name))
                           FILTER (WHERE c.match_name IS NOT NULL),
                       count(DISTINCT (c.match_family, c.match_account, c.match_region, c.match_name))
                           FILTER (WHERE m.resource_id IS NOT NULL),
                       coalesce(sum(c.billed_cost) FILTER (WHERE m.resource_id IS NOT NULL), 0),
                       coalesce(sum(c.billed_cost) FILTER (WHERE m.resource_id IS NULL AND NOT {_ACCOUNT_ROW}), 0),
                       coalesce(sum(c.billed_cost) FILTER (WHERE m.resource_id IS NULL AND {_ACCOUNT_ROW}), 0)
                FROM incoming_charges c
                LEFT JOIN ({resolution_sql(identities)}) m
                  ON m.match_family = c.match_family AND m.match_account = c.match_account
                 AND m.match_region = c.match_region AND m.match_name = c.match_name
                """  # noqa: S608 - fixed SQL
            ).fetchall()[0]
            stored = con.execute(
                f"""
                SELECT count(*), list(DISTINCT coalesce(u.file_name, b.upload_id) ORDER BY 1)
                FROM billing_charges b JOIN ({_INCOMING_PERIODS}) k USING (provider, billing_period, account)
                LEFT JOIN uploads u USING (upload_id)
                """  # noqa: S608 - fixed SQL
            ).fetchall()[0]
        finally:
            con.unregister("incoming_charges")
        return BillingPreview(
            identities=int(named),
            matched=int(matched),
            matched_usd=float(matched_usd),
            unmatched_usd=float(unmatched_usd),
            account_usd=float(account_usd),
            stored_rows=int(stored[0]),
            stored_files=[str(f) for f in stored[1] or []],
        )

    return read_as_is(path, read)
