"""What every page shares: the database path, the sidebar filters (kept in the URL), cached reads.

Caching follows the store's concurrency rules: ``st.cache_data`` wraps functions that open the database
read-only, query and close; no connection is ever cached. The cache key includes the database file's
modification times, so a collector run or an import shows up on the next rerun without waiting for a TTL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from common.services import SERVICES
from common.settings import is_default_db, resolve_db_path, settings
from common.timeutil import DEFAULT_WINDOW_DAYS
from store import ensure_database
from store import queries as q
from store.first_start import prepare_database as prepare_first_start
from store.summaries import file_stamps, same_data_stamps

log = logging.getLogger(__name__)
FILTER_KEYS = ("provider", "service", "account", "region")
RANGE = "range"  # the period selector's rolling date range, beside the invoice months


def db_path() -> Path:
    return resolve_db_path(None)


def db_version(path: Path) -> tuple[float, float]:
    """Modification times of the database and its WAL: part of every cache key. A summary this process
    stored changes them but not the data, so those times are read as the ones before it."""
    return same_data_stamps(path, file_stamps(path))


def _demo_writer() -> Callable[[Path], object]:
    """The demo, and its default view's summary stored into the same new file before it is renamed into
    place, so the first visitor reads rows instead of replaying the estate."""
    from demo import write_demo  # numpy and the simulation only when the demo is wanted

    def build(target: Path) -> None:
        write_demo(target)
        from analysis.stored_summary import refresh_default

        try:
            log.info("%s", refresh_default(target).line())
        except Exception:  # a cache: the first visitor computes it instead, the database is built all the same
            log.exception("the first start's summary was not stored")

    return build


def prepare_database() -> Path:
    """Create the database on first start: the demo estate at the default path, else an empty store.

    Built once (``store.first_start``): every other session that opens meanwhile waits under the same
    message and then shows the same finished file."""
    path = db_path()
    if path.exists():
        ensure_database(path)
        return path
    demo = is_default_db(path) and not settings().no_demo
    what = "the demo database" if demo else "an empty database"
    with st.spinner(f"First start: creating {what} (a few seconds; other tabs wait for it)…"):
        prepare_first_start(path, build=_demo_writer() if demo else None)
    return path


@st.cache_data(ttl=300, show_spinner=False)
def cached_origin(path: str, version: tuple[float, float]) -> dict[str, bool]:
    return q.data_origin(Path(path))


@st.cache_data(ttl=300, show_spinner=False)
def cached_options(path: str, version: tuple[float, float]) -> dict[str, Any]:
    return q.filter_options(Path(path))


@st.cache_data(ttl=300, show_spinner=False)
def cached_inventory(path: str, version: tuple[float, float], f: q.Filters) -> pd.DataFrame:
    return q.inventory(Path(path), f)


@st.cache_data(ttl=300, show_spinner=False)
def cached_selection(path: str, version: tuple[float, float], f: q.Filters) -> list[dict[str, Any]]:
    """The filtered resources (id, name, service, region, …) in the analysis's order, without usage: the
    Costs page's picker, before the estate's run has finished (``store.selection``)."""
    from store.selection import selected_resources

    return selected_resources(Path(path), f)


@st.cache_data(ttl=300, show_spinner=False)
def cached_runs(path: str, version: tuple[float, float], limit: int = 20) -> pd.DataFrame:
    return q.recent_runs(Path(path), limit)


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def period_choices(first: date, last: date, billed: list[date]) -> list[str]:
    """The period selector's values: the rolling range, then every calendar month with data or a bill, newest
    first (``YYYY-MM-01``)."""
    months, month = set(billed), first.replace(day=1)
    while month <= last:
        months.add(month)
        month = _month_after(month)
    return [RANGE, *(m.isoformat() for m in sorted(months, reverse=True))]


def _month_of(text: str | None) -> str | None:
    """``2026-11`` (the URL's spelling) as the selector's ``2026-11-01``."""
    day = _parse_day(f"{text}-01") if text and len(text) == 7 else None
    return day.isoformat() if day else None


def clamp_note(asked: tuple[date, date], data: tuple[date, date]) -> str:
    """The link's date range was moved inside the data: say so, with both ranges, rather than silently."""
    (a, b), (first, last) = asked, data
    where = "lies outside" if b < first or a > last else "reaches beyond"
    return (
        f"The link's date range {a:%Y-%m-%d} → {b:%Y-%m-%d} {where} the data ({first:%Y-%m-%d} → {last:%Y-%m-%d}), "
        "so the range shown here was moved inside it."
    )


def _init_from_url(options: dict[str, Any], first: date, last: date, periods: list[str]) -> None:
    """Seed the sidebar widgets from the query string once per session, ignoring values that don't exist."""
    if st.session_state.get("_filters_seeded"):
        return
    params = st.query_params
    start = _parse_day(params.get("start")) or max(first, last - timedelta(days=DEFAULT_WINDOW_DAYS - 1))
    end = _parse_day(params.get("end")) or last
    asked = (min(start, end), max(start, end))
    start, end = max(min(start, last), first), min(max(end, first), last)
    st.session_state["f_dates"] = (min(start, end), max(start, end))
    month = _month_of(params.get("month"))
    st.session_state["f_period"] = month if month in periods else RANGE
    if asked != st.session_state["f_dates"]:
        st.session_state["_dates_note"] = (st.session_state["f_dates"], clamp_note(asked, (first, last)))
    for key in FILTER_KEYS:
        wanted = [v for v in params.get_all(key) for v in v.split(",") if v]
        st.session_state[f"f_{key}"] = [v for v in wanted if v in options[key]]
    st.session_state["_filters_seeded"] = True


def _write_url(f: q.Filters) -> None:
    wanted: dict[str, str] = {}
    if f.month:
        wanted["month"] = f.month.strftime("%Y-%m")
    elif f.start and f.end:
        wanted["start"], wanted["end"] = f.start.isoformat(), f.end.isoformat()
    for key, values in zip(FILTER_KEYS, (f.providers, f.services, f.accounts, f.regions), strict=True):
        if values:
            wanted[key] = ",".join(values)
    current = {k: st.query_params.get(k) for k in st.query_params}
    keep = {k: v for k, v in current.items() if k not in ("start", "end", "month", *FILTER_KEYS)}
    if {**keep, **wanted} != current:
        st.query_params.from_dict({**keep, **wanted})


def _period_label(value: str, billed: set[str]) -> str:
    if value == RANGE:
        return "Date range"
    month = date.fromisoformat(value)
    return f"{month:%B %Y}" + (" · billed" if value in billed else "")


def sidebar_filters(path: Path) -> q.Filters:
    """The shared sidebar: a date range or an invoice month, provider, service, account, region. Mirrored into
    the URL (``start``/``end``, or ``month=YYYY-MM``)."""
    version = db_version(path)
    options = cached_options(str(path), version)
    today = datetime.now(UTC).date()
    last = (options["last"] - timedelta(microseconds=1)).date() if options["last"] else today
    first = options["first"].date() if options["first"] else last
    billed = list(options.get("billed_months", []))
    periods = period_choices(first, last, billed)
    _init_from_url(options, first, last, periods)
    # the data's span moves under a running session (an import, a collector run): keep the range inside it
    dates = st.session_state.get("f_dates")
    if isinstance(dates, tuple) and dates:
        st.session_state["f_dates"] = tuple(min(max(d, first), last) for d in dates)
    else:  # the range widget was not drawn while a month was chosen
        st.session_state["f_dates"] = (max(first, last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)), last)
    if st.session_state.get("f_period") not in periods:
        st.session_state["f_period"] = RANGE
    billed_values = {m.isoformat() for m in billed}
    with st.sidebar:
        st.header("Filters")
        period = st.selectbox(
            "Period",
            periods,
            key="f_period",
            format_func=lambda v: _period_label(v, billed_values),
            help="A rolling date range, or a calendar month (an invoice month when a bill for it was imported), "
            "so what was billed can be compared with the model of the same days.",
        )
        month = date.fromisoformat(period) if period != RANGE else None
        if month is None:
            picked = st.date_input("Date range (UTC)", key="f_dates", min_value=first, max_value=last)
            note = st.session_state.get("_dates_note")
            if note and note[0] == st.session_state.get("f_dates"):  # said while the range is the clamped one
                st.warning(note[1], icon=":material/date_range:")
        else:
            picked = (month, _month_after(month) - timedelta(days=1))
            st.caption(f"{picked[0].day} – {picked[1].day} {picked[1]:%B %Y} (UTC)")
        labels = {name: s.label for name, s in SERVICES.items()}
        names = {"provider": "Provider", "service": "Service", "account": "Account / project", "region": "Region"}
        chosen: dict[str, list[str]] = {}
        for key in FILTER_KEYS:
            fmt = (
                (lambda v: labels.get(v, v))
                if key == "service"
                else (lambda v: v.upper() if v in ("aws", "gcp") else v)
            )
            chosen[key] = st.multiselect(names[key], options[key], key=f"f_{key}", format_func=fmt, placeholder="All")
    start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else (picked, picked)
    if isinstance(start, tuple):  # a half-picked range
        start = end = start[0] if start else last
    f = q.Filters(
        start=start,
        end=end,
        providers=tuple(chosen["provider"]),
        services=tuple(chosen["service"]),
        accounts=tuple(chosen["account"]),
        regions=tuple(chosen["region"]),
        month=month,
    )
    _write_url(f)
    return f


def demo_banner(origin: dict[str, bool]) -> None:
    if origin.get("demo"):
        st.info(
            "**You are looking at demo data** — a made-up estate of 24 models on AWS and Google Cloud. "
            "To see your own: point Breakeven at a new database (`BREAKEVEN_DB=data/mine.duckdb streamlit run "
            "app.py`), then run a collector (`python -m breakeven run --config collectors.toml`) or upload "
            "exported metrics on the **Upload** page. `python -m breakeven demo --remove` takes the demo out of "
            "a database.",
            icon=":material/science:",
        )


def overrides_version() -> tuple[str, int, int]:
    """The price overrides file in use, its modification time (ns) and inode: part of the cost cache key.
    A save from the Prices page renames a new file into place, so the inode changes even when two saves
    fall within the file system's timestamp resolution."""
    path = settings().price_overrides
    name = str(path) if path else ""
    try:
        stat = path.stat() if path else None
    except OSError:
        stat = None
    return (name, stat.st_mtime_ns, stat.st_ino) if stat else (name, 0, 0)


# Cost caches: keyed on the data version (a write changes it, so no ttl waits for it), the filters and the
# assumptions (``ModelParams`` is frozen and hashable); a ttl far longer than a recompute, and few entries so
# versions a write left behind do not pile up in the server's memory. The estate is small rows (0.4 MB at 500
# resources: pickled in 10 ms), the detail one resource's curves.
def cached_estate(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Any:
    """Every selected resource assessed: small rows and the totals, nothing heavy. It is the estate of the
    one cached run the Cold starts and Endpoints pages read too (``views.estate_tables.cached_tables``), so
    the Overview, Costs, What-if, Cold starts and Endpoints pages replay the estate once per data version
    and assumptions, not once per page."""
    from views.estate_tables import cached_tables  # it builds on this module's keys

    stored = cached_stored_estate(path, version, f, params, overrides)
    if stored is not None:  # the stored summary's estate, its other tables left undecoded
        return stored
    return cached_tables(path, version, f, params, overrides).estate


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def cached_stored_estate(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int]
) -> Any:
    """The estate's table alone from the summary stored for this view (``analysis.stored_summary.stored_estate``),
    or None when none matches (the caller then computes the tables, which stores them: the next process reads
    them here). ``overrides`` (the overrides file's version) keys the cache only: the summary's key holds its
    content."""
    from analysis.stored_summary import stored_estate

    return stored_estate(Path(path), f, params)


@st.cache_data(ttl=3600, max_entries=32, show_spinner="Replaying this resource…")
def cached_detail(
    path: str,
    version: tuple[float, float],
    f: q.Filters,
    resource_id: str,
    params: Any,
    overrides: tuple[str, int, int],
) -> Any:
    """One resource in full (``analysis.detail``): lines, curves, cold starts, cost per day."""
    from analysis.detail import assess_resource

    return assess_resource(Path(path), resource_id, f, params, cached_price_book(overrides))


@st.cache_data(show_spinner=False)
def cached_price_book(overrides: tuple[str, int, int]) -> Any:
    """The bundled price sheets plus the overrides file, read once per version of that file."""
    from pricing import load_price_book

    return load_price_book()


@st.cache_data(ttl=300, show_spinner=False)
def cached_watermarks(path: str, version: tuple[float, float]) -> list[tuple]:
    from store.collector_state import read_all_watermarks

    return read_all_watermarks(Path(path))


@st.cache_data(ttl=3600, show_spinner="Adding up what the estate spent…")
def cached_spend(
    path: str, version: tuple[float, float], f: q.Filters, params: Any, overrides: tuple[str, int, int], _estate: Any
) -> Any:
    """The window's spend, the month to date and the run-rate by group (``analysis.window_spend``). ``_estate`` is
    ``cached_estate`` of the same arguments, so it is left out of the key rather than hashed each run."""
    from analysis.stored_summary import spend_for  # the stored summary's when it matches

    return spend_for(Path(path), f, params, cached_price_book(overrides), _estate)
