"""Saving the overrides file from an editor: checked first, atomic, and never silently over another save."""

from __future__ import annotations

import errno
import os
import threading
import tomllib

import pytest

from pricing import SheetError, load_price_book
from pricing.overrides_file import (
    OverridesFileChangedError,
    check_rules,
    current_fingerprint,
    number_or_text,
    patterns_of,
    read_rules,
    rules_to_toml,
    save_rules,
)

DISCOUNT = {"service": "lambda", "percent": 17, "items": ["duration-*"], "name": 'Plan "A" # not a comment'}
OVERRIDE = {"service": "sagemaker-endpoint", "item": "instance/ml.m5.large", "region": "us-east-1", "usd": 0.1}


@pytest.fixture(scope="module")
def bundled():
    return load_price_book(use_env=False)


def test_the_written_toml_reads_back_as_the_same_rules_and_prices(tmp_path, bundled):
    path = tmp_path / "prices.toml"
    save_rules(path, {"discount": [DISCOUNT], "override": [OVERRIDE]}, "")
    assert tomllib.loads(path.read_text("utf-8")) == {"discount": [DISCOUNT], "override": [OVERRIDE]}
    book = load_price_book(path, use_env=False)
    duration = book.price("lambda", "duration-x86_64", "us-east-1")
    assert duration.usd == pytest.approx(0.0000166667 * 0.83)  # list 0.0000166667, 17 % off
    assert book.price("sagemaker-endpoint", "instance/ml.m5.large", "us-east-1").usd == 0.1
    assert "[[discount]]" in path.read_text("utf-8") and "[[override]]" in path.read_text("utf-8")


def test_empty_kinds_are_left_out():
    assert rules_to_toml({"discount": [], "override": [OVERRIDE]}).startswith("[[override]]")
    assert rules_to_toml({"discount": [], "override": []}) == ""


def test_reading_a_missing_file_is_an_empty_set_of_rules(tmp_path):
    loaded = read_rules(tmp_path / "absent.toml")
    assert loaded.rules == {"discount": [], "override": []} and not loaded.exists and loaded.fingerprint == ""
    assert not loaded.problem


def test_a_file_with_a_bad_value_still_opens_for_editing(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text("# mine\n[[discount]]\nservice = 'lambda'\npercent = 150\n")
    loaded = read_rules(path)
    assert loaded.rules["discount"] == [{"service": "lambda", "percent": 150}] and loaded.has_comments
    assert loaded.fingerprint == current_fingerprint(path) != ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not toml ===", "prices.toml is not valid TOML"),
        ("discount = 5\n", "prices.toml: discount: must be a list of tables"),
        ("override = ['x']\n", "prices.toml: override: must be a list of tables"),
    ],
)
def test_a_file_the_editor_cannot_show_says_why(tmp_path, text, problem):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    loaded = read_rules(path)
    assert problem in loaded.problem and loaded.rules == {} and loaded.fingerprint


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"discount": [{"service": "lambda", "percent": float("nan")}]}, "discount[0].percent: must be a number from"),
        ({"discount": [{"service": "lambda", "percent": 150}]}, "discount[0].percent: must be a number from 0 to 100"),
        ({"discount": [{"service": "lamda", "percent": 5}]}, "discount[0].service: unknown service 'lamda'"),
        ({"discount": [{"service": "lambda", "percent": 5, "items": ["zzz*"]}]}, "discount[0].items: no lambda price"),
        ({"override": [{"service": "lambda", "item": "zzz", "usd": 1}]}, "override[0].item: no lambda price"),
        ({"override": [OVERRIDE, {"service": "lambda", "item": "*", "usd": "x"}]}, "override[1].usd: must be a non"),
    ],
)
def test_check_refuses_in_one_line_naming_the_key(bundled, rules, message):
    with pytest.raises(SheetError) as error:
        check_rules(rules, bundled, "prices.toml")
    assert str(error.value).startswith("prices.toml: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_save_over_a_file_that_changed_since_it_was_loaded_is_refused(tmp_path):
    path = tmp_path / "prices.toml"
    first = save_rules(path, {"discount": [DISCOUNT]}, "")
    loaded_by_b = read_rules(path)
    save_rules(path, {"discount": [DISCOUNT], "override": [OVERRIDE]}, first)  # session A saves
    before = path.read_bytes()
    with pytest.raises(OverridesFileChangedError, match="changed since you opened it"):
        save_rules(path, {"discount": []}, loaded_by_b.fingerprint)  # session B, loaded before A's save
    assert path.read_bytes() == before  # A's edit is there, B's is not written over it


def test_creating_a_file_that_someone_else_created_meanwhile_is_refused(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text("[[override]]\nservice = 'lambda'\nitem = '*'\nusd = 1\n")
    with pytest.raises(OverridesFileChangedError):
        save_rules(path, {"discount": [DISCOUNT]}, "")  # the editor saw no file
    assert "usd = 1" in path.read_text()


def test_many_savers_at_once_lose_no_edit_silently(tmp_path):
    """Threads that all loaded the same version race to save: exactly one wins, every other is told."""
    path = tmp_path / "prices.toml"
    start = save_rules(path, {"discount": []}, "")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def saver(n: int) -> None:
        barrier.wait()
        try:
            save_rules(path, {"discount": [{**DISCOUNT, "percent": n}]}, start)
            outcomes.append(f"saved {n}")
        except OverridesFileChangedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=saver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1 and outcomes.count("refused") == 7
    assert tomllib.loads(path.read_text())["discount"][0]["percent"] == int(saved[0].split()[1])


def test_the_save_keeps_permissions_leaves_no_temporary_file_and_follows_a_symlink(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("")
    real.chmod(0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    save_rules(link, {"override": [OVERRIDE]}, current_fingerprint(link))
    assert link.is_symlink() and "[[override]]" in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.toml", "real.toml"]


def test_a_disk_that_fills_up_mid_save_is_one_line_and_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "prices.toml"
    path.write_text("[[override]]\nservice = 'lambda'\nitem = '*'\nusd = 1\n")
    before = path.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SheetError, match=r"prices\.toml could not be saved: No space left on device"):
        save_rules(path, {"override": [OVERRIDE]}, current_fingerprint(path))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["prices.toml"]  # the temporary file is gone


@pytest.mark.parametrize(
    ("text", "percent", "value"),
    [
        ("17", True, 17),
        ("17 %", True, 17),
        (" 12.5% ", True, 12.5),
        ("", True, None),
        ("abc", False, "abc"),
        ("0,5", False, "0,5"),  # a decimal comma is not silently read as 5
        ("1e-7", False, 1e-7),
    ],
)
def test_number_fields_keep_what_is_not_a_number_for_the_check_to_refuse(text, percent, value):
    assert number_or_text(text, percent=percent) == value


def test_nan_and_inf_stay_nan_and_inf_for_the_check():
    nan = number_or_text("nan")
    assert isinstance(nan, float) and nan != nan
    assert number_or_text("inf") == float("inf")


def test_patterns_are_comma_separated():
    assert patterns_of(" duration-*, provisioned-* ,,") == ["duration-*", "provisioned-*"]
    assert patterns_of("") == []
