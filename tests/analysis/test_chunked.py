"""The estate assessed a group at a time (``analysis.chunked``) is the estate assessed in one run: every
row, total and table row the same to the last digit, on the demo's own resources, with and without free
tiers (the one allowance resources of an account share)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from analysis.chunked import Checkpoint, assess_in_groups, groups
from analysis.params import ModelParams
from pricing import load_price_book
from store.queries import Filters

# two AWS accounts, functions and an endpoint (so both pages' tables have rows), two days (minutes included)
SOME = Filters(
    start=date(2026, 11, 27),
    end=date(2026, 11, 28),
    resource_ids=tuple(
        f"{service}:{account}:us-east-1:{name}"
        for service, account, name in (
            ("lambda", "111122223333", "text-embed-burst"),
            ("lambda", "444455556666", "churn-predict"),
            ("sagemaker-endpoint", "111122223333", "legacy-forecast"),
            ("lambda", "111122223333", "fraud-score"),
        )
    ),
)


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def _who(account: str) -> dict[str, str]:
    return {"provider": "aws", "account": account, "resource_id": account}


def test_groups_are_consecutive_slices_without_free_tiers() -> None:
    resources = [_who(a) for a in "aabbbc"]
    assert groups(resources, False, 4) == [[0, 1, 2, 3], [4, 5]]


def test_with_free_tiers_an_account_is_never_split() -> None:
    resources = [_who(a) for a in "aabbbcd"]
    assert groups(resources, True, 4) == [[0, 1], [2, 3, 4, 5], [6]]
    assert groups([_who("a")] * 5 + [_who("b")], True, 2) == [[0, 1, 2, 3, 4], [5]]


@pytest.mark.parametrize("free_tier", [False, True])
def test_in_groups_of_two_every_number_is_the_one_runs(demo_db_template: Path, book, free_tier: bool) -> None:
    params = replace(ModelParams(), free_tier=free_tier)
    whole = assess_in_groups(demo_db_template, SOME, params, book, tables=True)
    parts = assess_in_groups(demo_db_template, SOME, params, book, tables=True, size=2)
    assert len(whole.estate.rows) > 2 and len({r.account for r in whole.estate.rows}) == 2
    assert whole.cold_starts.rows and whole.idle.rows
    assert repr(parts.estate) == repr(whole.estate)
    assert repr(parts.cold_starts) == repr(whole.cold_starts)
    assert repr(parts.idle) == repr(whole.idle)


@pytest.mark.parametrize("free_tier", [False, True])
def test_the_bills_model_read_a_group_at_a_time_is_the_one_read(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch, free_tier: bool
) -> None:
    """``analysis.reconcile_model.current_model`` (what a bill is compared with, and the Overview's modelled
    spend) prices each resource on its own: read two at a time, every resource's lines and dollars are the
    one read's."""
    from analysis import chunked
    from analysis.reconcile_model import current_model

    one = current_model(demo_db_template, book, SOME, free_tier)(date(2026, 11, 27), date(2026, 11, 28))
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "2")  # the setting, read by filter_parts now
    assert len(chunked.filter_parts(demo_db_template, SOME, free_tier)) >= 2
    grouped = current_model(demo_db_template, book, SOME, free_tier)(date(2026, 11, 27), date(2026, 11, 28))
    assert len(one) == 4 and grouped == one


def test_progress_is_told_after_each_group(demo_db_template: Path, book) -> None:
    """The resources listed (0 done), then each group's resources done, ending at every resource: what the
    Costs page's progress reads while the run lasts (``analysis.estate_runs``)."""
    told: list[tuple[int, int]] = []
    three = replace(SOME, resource_ids=SOME.resource_ids[:3])
    done = assess_in_groups(demo_db_template, three, ModelParams(), book, size=2, progress=lambda *t: told.append(t))
    assert told == [(0, 3), (2, 3), (3, 3)] and len(done.estate.rows) == 3


def test_the_next_group_is_read_while_this_one_is_replayed_and_a_stop_reads_no_further(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group i + 1's read is under way (on its own thread) before group i is told done, and a run stopped
    after its first group (the progress callback raising, as a given-up run's does) reads at most the one
    group ahead, then stops; a read that fails fails the run with its own error."""
    import threading

    from store import queries as q

    real, reads = q.usage_panels, []

    def counted(path: Path, f: Filters) -> object:
        reads.append((f.resource_ids, threading.current_thread().name))
        return real(path, f)

    monkeypatch.setattr(q, "usage_panels", counted)
    seen_at_tell: list[int] = []

    class Stop(Exception):
        pass

    def tell(done: int, total: int) -> None:
        seen_at_tell.append(len(reads))
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        assess_in_groups(demo_db_template, SOME, ModelParams(), book, size=1, progress=tell)
    assert seen_at_tell[1] == 2  # after the first group: its read and the second's started
    assert all(name.startswith("estate-read") for _, name in reads)
    threading.Event().wait(0.5)  # a read under way when the run stopped finishes on its thread; none starts after
    from store.selection import selected_resources

    order = [(who["resource_id"],) for who in selected_resources(demo_db_template, SOME)]
    assert len(reads) <= 3 and [ids for ids, _ in reads] == order[: len(reads)]  # in the groups' order, each once

    def broken(path: Path, f: Filters) -> object:
        raise OSError("the disk went away")

    monkeypatch.setattr(q, "usage_panels", broken)
    with pytest.raises(OSError, match="the disk went away"):
        assess_in_groups(demo_db_template, SOME, ModelParams(), book, size=2)


TWO_DAYS = Filters(start=date(2026, 11, 27), end=date(2026, 11, 28))  # the demo's 24 resources, three accounts


class Stop(Exception):
    """What a given-up run's progress callback raises at a group's end (``analysis.estate_runs.GivenUp``)."""


def _counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Every group's store read from now on, by its resources (``ReadAhead`` reads through the module)."""
    from store import queries as q

    real, reads = q.usage_panels, []

    def counted(path: Path, f: Filters) -> object:
        reads.append(f.resource_ids)
        return real(path, f)

    monkeypatch.setattr(q, "usage_panels", counted)
    return reads


def _stopped_after_one_group(path: Path, params: ModelParams, book, size: int) -> Checkpoint:
    """A run of the demo's two days stopped at its first group's end, and the checkpoint it left."""
    checkpoint = Checkpoint()

    def tell(done: int, total: int) -> None:
        if done:
            raise Stop

    with pytest.raises(Stop):
        assess_in_groups(path, TWO_DAYS, params, book, tables=True, size=size, progress=tell, checkpoint=checkpoint)
    return checkpoint


@pytest.mark.parametrize(("free_tier", "size"), [(False, 8), (True, 6)])
def test_a_run_stopped_after_its_first_group_goes_on_from_its_checkpoint_to_the_same_numbers(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch, free_tier: bool, size: int
) -> None:
    """Stopped at its first group's end (as a given-up run is), the run's checkpoint holds that group; started
    again with it, the run reads and replays only the groups after it, tells its progress from the resources
    already done, and ends with every row, total and table row of a run never stopped, in the same order."""
    from store.selection import selected_resources

    params = replace(ModelParams(), free_tier=free_tier)
    resources = selected_resources(demo_db_template, TWO_DAYS)
    parts = groups(resources, free_tier, size)
    assert len(parts) == 3 and len(resources) == 24
    whole = assess_in_groups(demo_db_template, TWO_DAYS, params, book, tables=True, size=size)

    checkpoint = _stopped_after_one_group(demo_db_template, params, book, size)
    assert (checkpoint.groups, checkpoint.done) == (1, len(parts[0]))
    assert {r.resource_id for r in checkpoint.rows} == {resources[i]["resource_id"] for i in parts[0]}

    reads, told = _counted_reads(monkeypatch), []
    resumed = assess_in_groups(
        demo_db_template,
        TWO_DAYS,
        params,
        book,
        tables=True,
        size=size,
        progress=lambda *t: told.append(t),
        checkpoint=checkpoint,
    )
    assert reads == [tuple(resources[i]["resource_id"] for i in m) for m in parts[1:]]  # the first group not read
    assert told == [(len(parts[0]), 24), (len(parts[0]) + len(parts[1]), 24), (24, 24)]
    assert resumed.estate.rows and resumed.cold_starts.rows and resumed.idle.rows
    assert repr(resumed.estate) == repr(whole.estate)  # every row and total, to the last digit, in order
    assert repr(resumed.cold_starts) == repr(whole.cold_starts)
    assert repr(resumed.idle) == repr(whole.idle)
    assert checkpoint.groups == 3  # filled to the end: the same inputs again read nothing
    assert repr(
        assess_in_groups(demo_db_template, TWO_DAYS, params, book, tables=True, size=size, checkpoint=checkpoint).estate
    ) == repr(whole.estate)
    assert len(reads) == 2


def test_a_checkpoint_from_other_inputs_is_dropped_not_used(
    demo_db_template: Path, book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint is used only by the run it was made for: other resources, other assumptions, or a write to
    the file since (its data version moved) empty it, and the run reads every group and gives its own numbers."""
    from store.db import connect
    from store.selection import selected_resources
    from store.summaries import advance_data_version
    from tests.conftest import copy_database

    path = copy_database(demo_db_template, tmp_path / "demo.duckdb")
    params, size = ModelParams(), 8
    longer = replace(params, keep_alive_s=params.keep_alive_s * 3)
    listed = [who["resource_id"] for who in selected_resources(path, TWO_DAYS)]
    one_fewer = replace(TWO_DAYS, resource_ids=tuple(listed[1:]))  # the first group's resources move up one

    def written() -> None:  # a write since: every write advances the data version (``store.summaries``)
        # through the store's gate: the stopped run's read-ahead may still be reading the file on its thread
        # (``ReadAhead``), and a bare ``duckdb.connect`` beside its read-only open is refused by DuckDB
        with connect(path, read_only=False) as con:
            advance_data_version(con)

    as_first = assess_in_groups(path, TWO_DAYS, params, book, tables=True, size=size)
    for filters, now, write in ((one_fewer, params, False), (TWO_DAYS, longer, False), (TWO_DAYS, params, True)):
        checkpoint = _stopped_after_one_group(path, params, book, size)
        assert checkpoint.groups == 1
        if write:
            written()
        fresh = assess_in_groups(path, filters, now, book, tables=True, size=size)
        assert write or repr(fresh.estate) != repr(as_first.estate)  # the stale rows would show
        reads = _counted_reads(monkeypatch)
        got = assess_in_groups(path, filters, now, book, tables=True, size=size, checkpoint=checkpoint)
        monkeypatch.undo()
        assert repr(got.estate) == repr(fresh.estate) and repr(got.cold_starts) == repr(fresh.cold_starts)
        assert len(reads) == 3  # every group read again, the first one included
        assert checkpoint.groups == 3  # refilled for the run that used it
