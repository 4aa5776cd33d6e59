"""What a page shows, read from the summary stored beside the data when it matches, computed (and stored)
when it does not: the estate's tables (``analysis.tables.assess_tables``) and the Overview's spend
(``analysis.window_spend.estate_spend``).

A stored summary is used only for the same key (filters, the window they resolve to, every assumption, the
price overrides' content: ``summary_form.summary_key``), the database's current data version (every write
advances it in its own transaction: ``store.summaries``) and this code's version (a digest of the sources
that compute it): so it is never older than the data or the code. One that does not check out (a digest, a
count, a row that does not read as its dataclass) is refused with a log line and recomputed, never trusted.

Who stores: the command line's writes refresh the default view (``refresh_default``) after their write has
committed, and the dashboard stores what it computes for any key (``persist=True``) when the file can be
written now; a computation is stored only if no write happened while it ran (the data version it began at
is still the current one, checked in the saving transaction).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic_core import PydanticSerializationError

from analysis import summary_form as form
from analysis import tables as tables_module
from analysis import window_spend
from analysis.chunked import Checkpoint
from analysis.params import ModelParams
from analysis.reconcile_model import current_model
from analysis.spend import Spend as BillSpend
from analysis.spend import spend as reconciled_spend
from analysis.tables import EstateTables
from analysis.types import EstateAssessment
from analysis.window_spend import Spend
from common.settings import settings
from common.timeutil import DEFAULT_WINDOW_DAYS
from pricing import PriceBook, load_price_book
from pricing.overrides import overrides_path_from_env
from store import queries as q
from store import summaries
from store.errors import StoreError
from store.file_gate import gate_key
from store.summaries import Part, SummaryDamaged

log = logging.getLogger(__name__)

RECENT_ENTRIES = 4  # entries kept read in this process (their checked JSON rows: ~15 MB at 5,000 resources)
_recent: dict[tuple[str, str], tuple[tuple[float, float], dict[str, list[bytes]]]] = {}
_recent_lock = threading.Lock()
T = TypeVar("T")


def default_filters(path: Path) -> q.Filters:
    """The view a first visitor sees: the last ``DEFAULT_WINDOW_DAYS`` days of data, every resource (the
    sidebar's defaults, ``views.common.sidebar_filters``)."""
    options = q.filter_options(Path(path))
    last = (options["last"] - timedelta(microseconds=1)).date() if options["last"] else datetime.now(UTC).date()
    first = options["first"].date() if options["first"] else last
    return q.Filters(start=max(first, last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)), end=last)


def _load(path: Path, key: str, parts: tuple[str, ...], decode: Callable[[dict[str, list[bytes]]], T]) -> T | None:
    """The stored parts decoded, or None (nothing stored that matches, or refused). An entry is read whole
    and its checked rows kept for as long as the file's times say nothing was written (the rule the pages'
    caches follow), so the Overview's three parts (estate, spend, spend line) are one read, not three."""
    stamps = summaries.same_data_stamps(path, summaries.file_stamps(path))
    memo_key = (gate_key(path), key)
    try:
        with _recent_lock:
            seen = _recent.get(memo_key)
        if seen is not None and seen[0] == stamps and all(p in seen[1] for p in parts):
            found: dict[str, list[bytes]] | None = seen[1]
        else:
            found = summaries.load_entry(path, key, form.code_version(), parts, every_part=True)
            if found is not None:
                with _recent_lock:
                    _recent[memo_key] = (stamps, found)
                    while len(_recent) > RECENT_ENTRIES:
                        _recent.pop(next(iter(_recent)))
        return decode(found) if found is not None else None
    except SummaryDamaged as exc:
        with _recent_lock:
            _recent.pop(memo_key, None)
        log.warning("stored summary refused, recomputing: %s", exc)
        return None


def _store(
    path: Path,
    key: str,
    label: str,
    version: int | None,
    value: Any,
    encode: Callable[[Any], list[Part]],
    decode: Any,
    wait_s: float = summaries.SAVE_WAIT_S,
) -> bool:
    """Store ``value`` if its JSON form reads back exactly and the data did not move on while it was computed."""
    if version is None:
        return False
    try:
        parts = encode(value)
    except PydanticSerializationError as exc:
        log.info("summary not stored: a value has no exact JSON form (%s)", str(exc)[:200])
        return False
    if not form.exact(value, parts, decode):
        log.info("summary not stored: its JSON form does not read back equal (a NaN or a number type of its own)")
        return False
    return summaries.save_entry(path, key, label, version, form.code_version(), parts, wait_s)


def _version(path: Path) -> int | None:
    try:
        return summaries.current_data_version(path)
    except StoreError:
        return None


def _key(filters: q.Filters, params: ModelParams) -> tuple[str, str]:
    return form.summary_key(filters, params, form.overrides_digest(overrides_path_from_env()))


def _stored_or_computed(
    path: Path,
    params: ModelParams,
    filters: q.Filters,
    parts: tuple[str, ...],
    codec: tuple[Callable[[Any], list[Part]], Callable[[dict[str, list[bytes]]], T]],
    compute: Callable[[], T],
    persist: bool,
) -> T:
    """The stored ``parts`` of this view when they match, else ``compute()`` (and stored, ``persist``): the
    data version is read before computing, so a write meanwhile keeps the result from being stored."""
    path = Path(path)
    key, label = _key(filters, params)
    encode, decode = codec
    found = _load(path, key, parts, decode)
    if found is not None:
        return found
    version = _version(path)
    computed = compute()
    if persist:
        _store(path, key, label, version, computed, encode, decode)
    return computed


def tables_for(
    path: Path,
    filters: q.Filters,
    params: ModelParams,
    book: PriceBook,
    *,
    persist: bool = True,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> EstateTables:
    """The estate's tables for this view: stored when they match, else computed (and stored, ``persist``;
    ``progress(done, total)`` after each group of the computation, which goes on from ``checkpoint``'s groups
    done when it fits: ``analysis.chunked``)."""
    return _stored_or_computed(
        path,
        params,
        filters,
        form.TABLE_PARTS,
        (form.encode_tables, form.decode_tables),
        lambda: tables_module.assess_tables(
            Path(path), filters, params, book, progress=progress, checkpoint=checkpoint
        ),
        persist,
    )


def stored_estate(path: Path, filters: q.Filters, params: ModelParams) -> EstateAssessment | None:
    """The estate's table of this view's stored summary alone (its cold-start and idle tables left
    undecoded), or None when none matches: then the caller computes the tables (``tables_for``)."""
    key, _ = _key(filters, params)
    return _load(Path(path), key, form.ESTATE_PARTS, form.decode_estate)


def spend_for(
    path: Path,
    filters: q.Filters,
    params: ModelParams,
    book: PriceBook,
    estate: EstateAssessment,
    *,
    persist: bool = True,
) -> Spend:
    """The Overview's spend for this view (``estate`` is this view's): stored when it matches, else computed."""
    return _stored_or_computed(
        path,
        params,
        filters,
        form.SPEND_PARTS,
        (form.encode_spend, form.decode_spend),
        lambda: window_spend.estate_spend(Path(path), filters, estate, book, params.free_tier),
        persist,
    )


def bill_spend_for(path: Path, filters: q.Filters, book: PriceBook, *, persist: bool = True) -> BillSpend:
    """The Overview's spend line (``analysis.spend``: billed where a bill covers the window, modelled by
    today's configuration otherwise; it takes no assumption): stored when it matches, else computed."""
    return _stored_or_computed(
        path,
        ModelParams(),
        filters,
        form.BILL_SPEND_PARTS,
        (form.encode_bill_spend, form.decode_bill_spend),
        lambda: reconciled_spend(Path(path), filters, current_model(Path(path), book, filters)),
        persist,
    )


@dataclass(frozen=True)
class Refreshed:
    stored: bool  # False: not written (the data moved on meanwhile, or the file is read-only or busy)
    resources: int
    label: str
    seconds: float
    cpu_seconds: float

    def line(self) -> str:
        """The one line a write command prints."""
        if not self.stored:
            return (
                f"summary: not stored ({self.label}; {self.seconds:.1f} s): the database changed meanwhile or "
                "could not be written; the dashboard computes it on first view"
            )
        return (
            f"summary: refreshed the default view ({self.resources:,} resources, {self.label}) in "
            f"{self.seconds:.1f} s ({self.cpu_seconds:.1f} s CPU); --no-summary skips it"
        )


def refresh_default(path: Path, book: PriceBook | None = None) -> Refreshed:
    """Compute and store the default view's summary (its tables, its spend and the spend line) from scratch:
    what a write command runs after its write has committed, and the first start into its new file."""
    path = Path(path)
    wall, cpu = time.monotonic(), time.process_time()
    book = book or load_price_book()
    filters, params = default_filters(path), ModelParams()
    key, label = _key(filters, params)
    version = _version(path)
    tables = tables_module.assess_tables(path, filters, params, book)
    spend = window_spend.estate_spend(path, filters, tables.estate, book, params.free_tier)
    billed = reconciled_spend(path, filters, current_model(path, book, filters))
    stored = _store(
        path,
        key,
        label,
        version,
        (tables, spend, billed),
        lambda three: [
            *form.encode_tables(three[0]),
            *form.encode_spend(three[1]),
            *form.encode_bill_spend(three[2]),
        ],
        lambda parts: (form.decode_tables(parts), form.decode_spend(parts), form.decode_bill_spend(parts)),
        settings().lock_wait_s,  # nobody waits on a write command's refresh: it waits like a write
    )
    return Refreshed(stored, len(tables.estate.rows), label, time.monotonic() - wall, time.process_time() - cpu)
