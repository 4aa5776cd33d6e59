"""The contract between the kind-independent runner and each kind of source (``aws``, ``gcp``, ...).

The runner (``collectors.runner``) owns everything that must behave the same for every cloud: the lock,
``--dry-run``, the time windows (watermark minus a lag window, or ``--since/--until``, split by the
source's retention tiers), isolation of failures per scope, the one write transaction, the run record
and the exit code. A source owns everything cloud-specific: parsing its ``[[sources]]`` table, finding
its scopes, estimating what a run would cost, and fetching.

Life of a run, seen from a source::

    source = parse_source(table, settings)        # registered in collectors.config.SOURCE_KINDS
    listing = source.scopes(ctx)                  # ScopeListing: scopes + failures (e.g. bad credentials)
    windows = {scope: [Window, ...], ...}         # computed by the runner from watermarks
    plan = source.plan(windows, ctx)              # only with --dry-run: no writes, no billable reads
    collection = source.collect(windows, ctx)     # resources, configs, metric rows, per-scope outcomes

A **scope** is the unit of watermarking and of failure isolation: (source name, account or project,
region, service). A source must never let one scope's failure escape as an exception: it returns a
``ScopeOutcome`` with status ``failed`` (or ``partial``) and the reason, and the runner writes everything
else. An exception that does escape ``collect`` fails every scope of that source, and only that source.

Metric rows use the canonical names of ``common.metrics.METRICS`` (the store rejects any other name) and
are aligned to their window's period. The runner advances a scope's watermark to the end of its last
window only when its outcome is ``ok``, so a failed or partial scope is re-read on the next run.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from common.progress import ProgressFn, no_progress
from store.snapshots import EndpointSnapshot
from store.writes import ConfigRecord, ResourceRecord

OutcomeStatus = Literal["ok", "partial", "failed"]

# (resource_id, metric, period_start [naive UTC], period_s, value, origin) — the store's metric columns.
MetricRow = tuple[str, str, datetime, int, float, str]


@dataclass(frozen=True, order=True)
class Scope:
    """(source, account, region, service): one watermark, one failure domain.

    ``account`` is the AWS account id or the GCP project id. When a source cannot even learn the
    account (its credentials fail), it reports a failed scope whose account is a readable label such as
    ``profile:prod`` and whose region/service are ``*``.
    """

    source: str
    account: str
    region: str
    service: str

    @property
    def label(self) -> str:
        return f"{self.source}/{self.account}/{self.region}/{self.service}"


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval [start, end) of whole periods of ``period_s`` seconds (naive UTC)."""

    start: datetime
    end: datetime
    period_s: int

    @property
    def periods(self) -> int:
        return int((self.end - self.start).total_seconds() // self.period_s)


@dataclass(frozen=True)
class RetentionTier:
    """Data younger than ``max_age`` is kept at periods of ``period_s`` (a multiple of it may be asked).

    A source lists its tiers youngest first; the last tier's ``max_age`` is the oldest data it can read.
    CloudWatch: 60 s for 15 days, 300 s for 63 days, 3600 s for 455 days.
    """

    max_age: timedelta
    period_s: int


@dataclass(frozen=True)
class SourceSettings:
    """Keys every ``[[sources]]`` table has, whatever its kind (parsed by ``collectors.config``)."""

    kind: str
    name: str
    lag: timedelta  # re-read this much before the watermark on every run (late-arriving data)
    period_s: int  # the finest period to collect (coarsened where retention requires)
    first_run: timedelta  # how far back the first run of a scope reaches
    max_workers: int = 4  # how many scopes a source may fetch in parallel


@dataclass
class ScopeOutcome:
    """What a scope's run did: ``collected``, ``missing`` and ``notes`` are short readable lines for the run record.

    ``ok``: everything was read. ``partial``: some parts are in ``missing`` (and ``errors``), the rest was
    read and is written. ``failed``: nothing usable was read for this scope.
    """

    scope: Scope
    status: OutcomeStatus
    errors: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # caveats that do not make the scope partial

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope.label,
            "status": self.status,
            "errors": self.errors,
            "collected": self.collected,
            "missing": self.missing,
            "notes": self.notes,
        }


@dataclass
class ScopeListing:
    """The scopes a source will collect, and the ones it could not even enumerate (already failed)."""

    scopes: list[Scope] = field(default_factory=list)
    failures: list[ScopeOutcome] = field(default_factory=list)


@dataclass
class PlanItem:
    """What a run would fetch for one scope, and what it would cost. Never billable to compute."""

    scope: Scope
    what: str  # e.g. "12 functions × 9 statistics over 2 windows (60 s, 300 s)"
    api_calls: dict[str, int] = field(default_factory=dict)  # "cloudwatch:GetMetricData" -> calls
    estimated_cost_usd: float = 0.0
    estimated_bytes_scanned: int | None = None  # Logs Insights and the like; an estimate, said so
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)
    failures: list[ScopeOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Collection:
    """Everything a source fetched; the runner writes it in one transaction with the run record."""

    resources: list[ResourceRecord] = field(default_factory=list)
    configs: list[ConfigRecord] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)
    snapshots: list[EndpointSnapshot] = field(default_factory=list)
    outcomes: list[ScopeOutcome] = field(default_factory=list)

    def extend(self, other: Collection) -> None:
        self.resources.extend(other.resources)
        self.configs.extend(other.configs)
        self.metrics.extend(other.metrics)
        self.snapshots.extend(other.snapshots)
        self.outcomes.extend(other.outcomes)


class ApiUsage:
    """Thread-safe tally of API calls per operation, of retries and of billable quantities, for the run record.

    Operations are named ``service:Operation`` (``cloudwatch:GetMetricData``, ``monitoring:ListTimeSeries``).
    Retries are counted per operation and reason (``logs:StartQuery LimitExceededException``): a retried call
    is also a call. Billable items carry their unit price so the run record can say how its cost estimate
    was made.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.billable: dict[str, dict[str, Any]] = {}

    def call(self, operation: str, count: int = 1) -> None:
        with self._lock:
            self.calls[operation] += count

    def retry(self, operation: str, reason: str, count: int = 1) -> None:
        with self._lock:
            self.retries[f"{operation} {reason}"] += count

    def bill(self, item: str, quantity: float, unit: str, usd_per_unit: float) -> None:
        """Add ``quantity`` of ``unit`` (e.g. 1,200 "metrics requested") at ``usd_per_unit`` each."""
        with self._lock:
            entry = self.billable.setdefault(item, {"quantity": 0.0, "unit": unit, "usd_per_unit": usd_per_unit})
            entry["quantity"] += quantity

    @property
    def estimated_cost_usd(self) -> float:
        with self._lock:
            return sum(e["quantity"] * e["usd_per_unit"] for e in self.billable.values())

    def cost_items(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {
                k: {**v, "estimated_usd": round(v["quantity"] * v["usd_per_unit"], 6)} for k, v in self.billable.items()
            }


@dataclass
class RunContext:
    """What the runner hands to a source: the clock, the database (read-only use), the tallies, progress.

    ``db_path`` may be read (``store`` read helpers, e.g. earlier endpoint snapshots) but a source never
    writes: the runner does, once. In a dry run the database may not exist yet; read helpers then
    return nothing.
    """

    db_path: Path
    now: datetime  # naive UTC, fixed for the whole run
    run_id: str
    dry_run: bool = False
    usage: ApiUsage = field(default_factory=ApiUsage)
    progress: ProgressFn = no_progress


@runtime_checkable
class Source(Protocol):
    """One configured ``[[sources]]`` entry of some kind. Implementations live in ``collectors.<kind>``.

    ``retention`` lists the source's retention tiers youngest first (see ``RetentionTier``); the runner
    uses it to choose each window's period and to refuse ``--since`` beyond the oldest tier.
    """

    kind: ClassVar[str]
    settings: SourceSettings
    retention: Sequence[RetentionTier]

    def scopes(self, ctx: RunContext) -> ScopeListing:
        """List (account, region, service) scopes; may call cheap identity/list APIs, never billable ones."""
        ...

    def plan(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Plan:
        """Dry run: what would be fetched, how many API calls, the estimated cost/bytes. Writes nothing."""
        ...

    def collect(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Collection:
        """Fetch inventory and metrics for each scope's windows; one ``ScopeOutcome`` per scope."""
        ...
