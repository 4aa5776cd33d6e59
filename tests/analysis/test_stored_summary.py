"""The persisted summary (``analysis.stored_summary``, ``analysis.summary_form``, ``store.summaries``) on real
DuckDB files: the demo's tables and spend read back equal from their JSON form under default and what-if
assumptions; a stored summary is used only for its key, the current data version and this code's version;
a damaged or hand-edited row is refused and recomputed, never trusted; a computation the data moved under
is not stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from analysis import stored_summary, summary_form
from analysis.params import ModelParams
from analysis.reconcile_model import current_model
from analysis.spend import spend as reconciled_spend
from analysis.tables import EstateTables, assess_tables
from analysis.window_spend import estate_spend
from pricing import PriceBook, load_price_book
from store import queries as q
from store import summaries
from store.billing import remove_bills
from store.db import ensure_database
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.conftest import copy_database

WINDOW = q.Filters(start=date(2026, 11, 28), end=date(2026, 11, 28))  # a day of the demo: a quick replay
WHAT_IF = ModelParams(traffic_scale=3.0, free_tier=True, cache_hit_rate=0.2, memory_mb=2048, keep_alive_s=300.0)
SMALL = q.Filters(start=date(2026, 1, 1), end=date(2026, 1, 2))


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book(use_env=False)


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)


@pytest.fixture(scope="module")
def demo_copy(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = copy_database(demo_db_template, tmp_path_factory.mktemp("stored") / "demo.duckdb")
    ensure_database(path)
    return path


@pytest.mark.parametrize("params", [ModelParams(), WHAT_IF], ids=["default", "what-if"])
def test_the_demo_reads_back_equal_from_its_json_form(demo_copy: Path, book: PriceBook, params: ModelParams) -> None:
    tables = assess_tables(demo_copy, WINDOW, params, book)
    assert tables.estate.rows and tables.cold_starts.rows and tables.idle.rows
    parts = summary_form.encode_tables(tables)
    back = summary_form.decode_tables({p.name: [body for _, body in p.rows] for p in parts})
    assert back == tables and repr(back) == repr(tables)  # floats, None, tuples, nested rows, types
    assert back.estate.row(tables.estate.rows[3].resource_id) == tables.estate.rows[3]  # RowsById works on it
    spend = estate_spend(demo_copy, WINDOW, tables.estate, book, params.free_tier)
    back_spend = summary_form.decode_spend({"spend": [summary_form.encode_spend(spend)[0].rows[0][1]]})
    assert back_spend == spend and repr(back_spend) == repr(spend)
    if params == ModelParams():  # the spend line takes no assumption: billed (the demo's bills) or modelled
        line = reconciled_spend(demo_copy, WINDOW, current_model(demo_copy, book, WINDOW))
        assert line.covered and "billed" in {r.basis for r in line.resources}
        parts_line = summary_form.encode_bill_spend(line)
        back_line = summary_form.decode_bill_spend({p.name: [body for _, body in p.rows] for p in parts_line})
        assert back_line == line  # (its hours are ints in a float field: they read back as equal floats)
    # and through the store: stored in one go, read without replaying
    key, label = summary_form.summary_key(WINDOW, params, "none")
    version = summaries.current_data_version(demo_copy)
    assert summaries.save_entry(demo_copy, key, label, version, summary_form.code_version(), parts)
    stored = summaries.load_entry(demo_copy, key, summary_form.code_version(), summary_form.TABLE_PARTS)
    assert summary_form.decode_tables(stored) == tables


def test_a_value_json_cannot_hold_exactly_is_not_stored(demo_copy: Path, book: PriceBook) -> None:
    tables = assess_tables(demo_copy, WINDOW, ModelParams(), book)
    row = tables.estate.rows[0]
    bad = replace(tables, estate=replace(tables.estate, rows=(replace(row, measured_hours=float("nan")),)))
    parts = summary_form.encode_tables(bad)
    assert not summary_form.exact(bad, parts, summary_form.decode_tables)  # a NaN would come back as None


def _lambda_batch(hours: int, per_hour: float, name: str = "scorer", start: datetime = datetime(2026, 1, 1)) -> Batch:
    """A Lambda function with its memory, ``per_hour`` requests of 120 ms every hour: priced, replayed."""
    fn = ResourceRecord("lambda", "123456789012", "us-east-1", name)
    rows = []
    for h in range(hours):
        at = start + timedelta(hours=h)
        rows += [(fn.resource_id, "invocations", at, 3600, per_hour + h, "test")]
        rows += [(fn.resource_id, "duration_ms_avg", at, 3600, 120.0, "test")]
    config = ConfigRecord(fn.resource_id, start, {"memory_mb": 1024, "architecture": "x86_64"}, "test")
    return Batch(resources=[fn], configs=[config], metrics=metrics_frame(rows))


def _small(tmp_path: Path) -> Path:
    """One Lambda function, two days hourly: a database whose replay takes milliseconds."""
    path = tmp_path / "small.duckdb"
    write_batch(path, _lambda_batch(48, 400.0))
    return path


class Counting:
    """``assess_tables`` that counts its calls, so a test sees whether the estate was replayed."""

    def __init__(self, then: Callable[..., EstateTables] = assess_tables) -> None:
        self.calls, self.then = 0, then

    def __call__(self, *args: object, **kwargs: object) -> EstateTables:
        self.calls += 1
        return self.then(*args, **kwargs)


def test_stored_then_read_until_a_write_moves_the_data_version(
    tmp_path: Path, book: PriceBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _small(tmp_path)
    counting = Counting()
    monkeypatch.setattr("analysis.tables.assess_tables", counting)
    first = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    again = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert counting.calls == 1 and again == first  # the second read the stored rows
    other = stored_summary.tables_for(path, SMALL, ModelParams(traffic_scale=2.0), book)
    assert counting.calls == 2 and other != first  # another key: its own summary
    before = summaries.current_data_version(path)
    # a write in the same hours (more requests): the stored summary is now unused and the new numbers show
    write_batch(path, _lambda_batch(48, 4000.0))
    assert summaries.current_data_version(path) == before + 1
    after = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert counting.calls == 3
    assert after.estate.totals.requests > first.estate.totals.requests
    assert after == assess_tables(path, SMALL, ModelParams(), book)
    # the older version's entries were pruned when the new one was stored
    assert {e["data_version"] for e in summaries.stored_entries(path)} == {before + 1}


def test_billing_writes_and_removals_move_the_data_version(demo_copy: Path) -> None:
    before = summaries.current_data_version(demo_copy)
    remove_bills(demo_copy, "demo/")
    assert summaries.current_data_version(demo_copy) == before + 1


def test_another_code_version_makes_it_unused(tmp_path: Path, book: PriceBook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _small(tmp_path)
    counting = Counting()
    monkeypatch.setattr("analysis.tables.assess_tables", counting)
    stored_summary.tables_for(path, SMALL, ModelParams(), book)
    monkeypatch.setattr(summary_form, "code_version", lambda: "an-upgrade")
    stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert counting.calls == 2
    assert [e["code_version"] for e in summaries.stored_entries(path)] == ["an-upgrade"]


def _edit(path: Path, sql: str, params: list | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()


@pytest.mark.parametrize(
    ("sql", "redigest", "says"),
    [
        # a number changed by hand: the row no longer matches its digest
        (
            "UPDATE summary_rows SET body = replace(body, '\"measured_hours\":48.0', '\"measured_hours\":4.0') "
            "WHERE part = 'estate.rows'",
            False,
            "does not match its digest",
        ),
        # a row taken out
        ("DELETE FROM summary_rows WHERE part = 'estate.rows'", False, "holds 0 rows"),
        # a row rewritten with its digest recomputed, but not a ResourceRow any more (a string for a number)
        (
            'UPDATE summary_rows SET body = replace(body, \'"measured_hours":48.0\', \'"measured_hours":"48"\') '
            "WHERE part = 'estate.rows'",
            True,
            "does not read as ResourceRow",
        ),
    ],
    ids=["edited", "missing", "retyped"],
)
def test_a_damaged_or_hand_edited_row_is_refused_and_recomputed(
    tmp_path: Path,
    book,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    sql: str,
    redigest: bool,
    says: str,
) -> None:
    path = _small(tmp_path)
    truth = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    _edit(path, sql)
    if redigest:
        key, _ = summary_form.summary_key(SMALL, ModelParams(), "none")
        rows = (
            duckdb.connect(str(path))
            .execute("SELECT pos, body FROM summary_rows WHERE part = 'estate.rows'")
            .fetchall()
        )
        digests = []
        for pos, body in rows:  # whoever edited it recomputed every digest too: the type check still refuses it
            digests.append(summaries._row_digest(key, "estate.rows", pos, body.encode()))
            _edit(path, "UPDATE summary_rows SET digest = ? WHERE part = 'estate.rows' AND pos = ?", [digests[-1], pos])
        listed = json.loads(summaries.stored_entries(path)[0]["parts"])
        listed["estate.rows"] = [len(rows), summaries._part_digest(digests)]
        _edit(path, "UPDATE summary_entries SET parts = ?", [json.dumps(listed)])
    counting = Counting()
    monkeypatch.setattr("analysis.tables.assess_tables", counting)
    with caplog.at_level(logging.WARNING, logger="analysis.stored_summary"):
        again = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert counting.calls == 1 and again == truth
    assert any("refused" in r.message and says in r.message for r in caplog.records), caplog.text
    assert stored_summary.tables_for(path, SMALL, ModelParams(), book) == truth  # stored again, whole
    assert counting.calls == 1


def test_a_computation_the_data_moved_under_is_not_stored(
    tmp_path: Path, book: PriceBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _small(tmp_path)

    def write_meanwhile(*args: object, **kwargs: object) -> EstateTables:
        result = assess_tables(*args, **kwargs)
        write_batch(path, _lambda_batch(3, 5.0, name="writer-meanwhile"))  # a write during the run
        return result

    monkeypatch.setattr("analysis.tables.assess_tables", write_meanwhile)
    stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert summaries.stored_entries(path) == []


def test_a_file_that_cannot_be_written_is_read_and_not_stored(
    tmp_path: Path, book: PriceBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _small(tmp_path)

    def read_only(_path: Path, _wait_s: float) -> duckdb.DuckDBPyConnection:
        raise duckdb.IOException(f'IO Error: Cannot open file "{_path}": Read-only file system')

    monkeypatch.setattr(summaries, "_open_short", read_only)
    tables = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert tables.estate.rows and summaries.stored_entries(path) == []


def test_a_save_changes_the_file_times_but_not_the_pages_cache_key(tmp_path: Path, book: PriceBook) -> None:
    path = _small(tmp_path)
    before = summaries.same_data_stamps(path, summaries.file_stamps(path))
    stored_summary.tables_for(path, SMALL, ModelParams(), book)
    assert summaries.stored_entries(path)  # it was written…
    assert summaries.same_data_stamps(path, summaries.file_stamps(path)) == before  # …and the data is the same
    write_batch(path, _lambda_batch(2, 5.0, start=datetime(2026, 1, 3)))
    assert summaries.same_data_stamps(path, summaries.file_stamps(path)) != before  # a write is a new version


def test_entries_are_bounded(tmp_path: Path, book: PriceBook, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _small(tmp_path)
    monkeypatch.setattr(summaries, "MAX_ENTRIES", 2)
    for scale in range(1, 5):
        stored_summary.tables_for(path, SMALL, ModelParams(traffic_scale=float(scale)), book)
    entries = summaries.stored_entries(path)
    assert len(entries) == summaries.MAX_ENTRIES
    assert [e["label"].split("traffic_scale")[1] for e in entries] == ['": 4.0}', '": 3.0}']  # the newest kept
    con = duckdb.connect(str(path), read_only=True)
    try:
        keys = {k for (k,) in con.execute("SELECT DISTINCT key FROM summary_rows").fetchall()}
    finally:
        con.close()
    assert keys == {e["key"] for e in entries}  # no row left behind by a pruned entry


def test_the_first_start_stores_the_default_view_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import demo
    from store.first_start import prepare_database
    from views.common import _demo_writer

    built: list[Path] = []

    def small_demo(target: Path) -> None:  # the demo's place in the first start, two days of one function
        built.append(target)
        write_batch(target, _lambda_batch(48, 400.0, start=datetime(2026, 11, 27)))

    monkeypatch.setattr(demo, "write_demo", small_demo)
    path = tmp_path / "data" / "breakeven.duckdb"
    assert prepare_database(path, build=_demo_writer())
    assert built and built[0] != path  # written into the temporary file, then renamed into place
    (entry,) = summaries.stored_entries(path)
    assert entry["data_version"] == summaries.current_data_version(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["breakeven.duckdb"]
    counting = Counting()
    monkeypatch.setattr("analysis.tables.assess_tables", counting)
    book = load_price_book()
    tables = stored_summary.tables_for(path, stored_summary.default_filters(path), ModelParams(), book)
    assert counting.calls == 0 and [r.name for r in tables.estate.rows] == ["scorer"]  # the first visitor reads it


def test_the_estate_alone_decodes_as_the_tables_estate(demo_copy: Path, book: PriceBook) -> None:
    tables = assess_tables(demo_copy, WINDOW, ModelParams(), book)
    bodies = {p.name: [body for _, body in p.rows] for p in summary_form.encode_tables(tables)}
    alone = summary_form.decode_estate({name: bodies[name] for name in summary_form.ESTATE_PARTS})
    assert alone == summary_form.decode_tables(bodies).estate == tables.estate
    assert repr(alone) == repr(tables.estate)  # floats to the bit, None, tuples, nested option rows
    # the other tables are not read: damaged, they do not matter to the estate alone; the estate's own rows do
    damaged = {**bodies, "cold_starts.rows": [b"{not json"], "idle": [b"[]"]}
    assert summary_form.decode_estate(damaged) == tables.estate
    with pytest.raises(summaries.SummaryDamaged, match=r"estate\.rows"):
        summary_form.decode_estate({**bodies, "estate.rows": [b'{"resource_id": 1}']})


def test_the_stored_estate_is_none_until_stored_then_the_tables_estate(tmp_path: Path, book: PriceBook) -> None:
    path = _small(tmp_path)
    assert stored_summary.stored_estate(path, SMALL, ModelParams()) is None  # nothing stored: the caller computes
    computed = stored_summary.tables_for(path, SMALL, ModelParams(), book)
    stored_summary._recent.clear()  # as a restarted server: read from the file, not this process's rows
    assert stored_summary.stored_estate(path, SMALL, ModelParams()) == computed.estate
    assert stored_summary.stored_estate(path, SMALL, ModelParams(traffic_scale=2.0)) is None  # another key
