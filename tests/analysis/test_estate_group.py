"""``BREAKEVEN_ESTATE_GROUP``: how many resources the estate's replay reads and replays together
(``analysis.chunked``), 250 unless set, read when a run starts (not at import), a ``size=`` a caller names
still winning; a bad value is one line naming the variable, never silently replaced by the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import chunked
from analysis import window_model as wm
from analysis.chunked import assess_in_groups, filter_parts, group_size
from analysis.params import ModelParams
from common.settings import SettingsError, settings
from pricing import load_price_book
from tests.analysis.test_chunked import SOME


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def _told(path: Path, book, size: int | None = None) -> list[tuple[int, int]]:
    told: list[tuple[int, int]] = []
    assess_in_groups(path, SOME, ModelParams(), book, size=size, progress=lambda *t: told.append(t))
    return told


def test_the_default_is_250_and_a_named_size_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BREAKEVEN_ESTATE_GROUP", raising=False)
    assert settings().estate_group == 250 and group_size() == 250 and group_size(7) == 7
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "")  # empty counts as unset, as for every setting
    assert group_size() == 250
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "3")
    assert group_size() == 3 and group_size(7) == 7
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "100000")  # the bounds are inclusive
    assert group_size() == 100_000
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "1")
    assert group_size() == 1


def test_the_run_replays_in_groups_of_the_setting_read_when_it_starts(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same four resources: one group by default, two groups of two, four of one under the setting (the
    progress the Costs page reads is told after each group), the split's parts alike; ``size=`` still wins."""
    monkeypatch.delenv("BREAKEVEN_ESTATE_GROUP", raising=False)
    assert _told(demo_db_template, book) == [(0, 4), (4, 4)]
    assert filter_parts(demo_db_template, SOME, False) == [SOME]
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "2")
    assert _told(demo_db_template, book) == [(0, 4), (2, 4), (4, 4)]
    assert [len(part.resource_ids) for part in filter_parts(demo_db_template, SOME, False)] == [2, 2]
    assert chunked.groups([{"provider": "aws", "account": "a"}] * 5, False) == [[0, 1], [2, 3], [4]]
    assert _told(demo_db_template, book, size=3) == [(0, 4), (3, 4), (4, 4)]
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "1")
    assert _told(demo_db_template, book) == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_the_window_models_memo_tells_group_sizes_apart(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's model is kept per group size (its key names it), so a changed setting is a new pass with
    the same dollars, and the same setting is the kept one."""
    wm._kept.clear()
    monkeypatch.delenv("BREAKEVEN_ESTATE_GROUP", raising=False)
    one = wm.window_model(demo_db_template, SOME, book)
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", "2")
    two = wm.window_model(demo_db_template, SOME, book)
    assert two is not one and two.window == one.window
    assert wm.window_model(demo_db_template, SOME, book) is two
    wm._kept.clear()


@pytest.mark.parametrize("value", ["0", "-3", "100001", "lots", "2.5"])
def test_a_bad_group_size_is_one_line_naming_the_variable(
    demo_db_template: Path, book, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BREAKEVEN_ESTATE_GROUP", value)
    with pytest.raises(SettingsError) as caught:
        settings()
    message = str(caught.value)
    assert message.startswith(f"BREAKEVEN_ESTATE_GROUP={value!r}:") and "\n" not in message
    with pytest.raises(SettingsError, match=f"BREAKEVEN_ESTATE_GROUP={value!r}"):  # the run refuses it too
        assess_in_groups(demo_db_template, SOME, ModelParams(), book)
