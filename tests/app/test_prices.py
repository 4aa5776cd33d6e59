"""The Prices page: the rows the ``prices`` command prints, its filters and the sidebar's, and the editor of
discounts and overrides (bad values refused in words with the file unchanged, a good one saved and priced,
two sessions on one file)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from breakeven.cli import main
from charts.format import unit_price
from tests.app.conftest import metrics_of, open_app, shown

PAGE = "views/prices.py"
KEY = "lambda/duration-x86_64/us-east-1"
GOOD = "[[override]]\nservice = 'sagemaker-endpoint'\nitem = 'instance/ml.m5.large'\nregion = 'us-east-1'\nusd = 0.1\n"


def _cli_rows(capsys: pytest.CaptureFixture, *args: str) -> list[dict]:
    assert main(["prices", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Price key" in d.value.columns)


def _field(at: AppTest, label: str):
    return next(t for t in at.text_input if t.label.startswith(label))


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _prices_page(db: Path, monkeypatch: pytest.MonkeyPatch, overrides: Path | None, **kw) -> AppTest:
    if overrides is None:
        monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    else:
        monkeypatch.setenv("BREAKEVEN_PRICE_OVERRIDES", str(overrides))
    at = open_app(db, monkeypatch, page=PAGE, **kw)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _new_discount(at: AppTest, service: str, percent: str, items: str = "", name: str = "") -> AppTest:
    at.selectbox(key=next(k for k in at.session_state if k.startswith("pe_choice_"))).set_value("new:discount")
    at.run()
    _field(at, "Service").input(service)
    _field(at, "Percent off list").input(percent)
    _field(at, "Items").input(items)
    _field(at, "Name").input(name)
    return at


def test_the_page_shows_the_rows_the_prices_command_prints(demo_db, monkeypatch, capsys, tmp_path):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(GOOD)
    at = _prices_page(demo_db, monkeypatch, overrides)
    table = _table(at)
    cli = _cli_rows(capsys, "--overrides", str(overrides))
    assert list(table["Price key"]) == [f"{r['service']}/{r['item']}/{r['region']}" for r in cli]
    assert list(table["Effective price"]) == [unit_price(r["usd"]) for r in cli]
    assert list(table["List price"]) == [unit_price(r["list_usd"]) for r in cli]
    assert list(table["Source"]) == [r["source"]["url"] for r in cli]
    assert list(table["Retrieved"]) == [r["source"]["retrieved"] for r in cli]
    m5 = table.set_index("Price key").loc["sagemaker-endpoint/instance/ml.m5.large/us-east-1"]
    assert (m5["List price"], m5["Effective price"]) == ("$0.12", "$0.10")  # list 0.115 rounds to the cent
    assert metrics_of(at)["Changed by your rules"] == "1"


def test_page_filters_narrow_the_table_as_the_command_does(demo_db, monkeypatch, capsys):
    at = _prices_page(demo_db, monkeypatch, None)
    at.multiselect(key="p_service").set_value(["lambda"])
    at.multiselect(key="p_confidence").set_value(["verified"])
    at.run()
    table = _table(at)
    cli = _cli_rows(capsys, "--service", "lambda", "--confidence", "verified")
    assert len(table) == len(cli) > 0
    assert set(table["Service"]) == {"AWS Lambda"} and set(table["Confidence"]) == {"✓ verified"}
    assert metrics_of(at)["Prices shown"] == str(len(cli))
    duration = table.set_index("Price key").loc[KEY]
    assert duration["Volume tiers (effective)"] == (
        "$0.00001667 per GB-second up to 6 B a month, $0.000015 from 6 B to 15 B, $0.00001333 above 15 B"
    )


def test_the_sidebar_region_applies_and_the_reused_figures_are_named(demo_db, monkeypatch, capsys):
    at = _prices_page(demo_db, monkeypatch, None, query={"region": "eu-west-1"})
    table = _table(at)
    assert set(table["Region"]) == {"eu-west-1"} and len(table) == len(_cli_rows(capsys, "--region", "eu-west-1"))
    assert any("Following the sidebar" in shown(c.value) and "eu-west-1" in shown(c.value) for c in at.caption)
    assert set(table["Reuses figures of"]) == {"us-east-1 (assumed)"}  # the sheets price eu-west-1 as us-east-1
    reused = next(d.value for d in at.dataframe if "Refresh with" in d.value.columns)
    assert list(reused["Region"]) == ["eu-west-1"] and list(reused["Reuses figures of"]) == ["us-east-1"]
    assert int(reused["Prices"].iloc[0]) == len(table)


@pytest.mark.parametrize(
    ("service", "percent", "items", "message"),
    [
        ("lambda", "nan", "", "prices.toml: discount[0].percent: must be a number from 0 to 100 (finite), not nan"),
        ("lambda", "150", "", "prices.toml: discount[0].percent: must be a number from 0 to 100, not 150"),
        ("lamda", "10", "", "prices.toml: discount[0].service: unknown service 'lamda' (priced: cloud-functions"),
        ("lambda", "10", "zzz*", "prices.toml: discount[0].items: no lambda price matches ['zzz*']"),
        ("lambda", "", "", "prices.toml: discount[0].percent: missing key"),
        ("lambda", "ten", "", "prices.toml: discount[0].percent: must be a number from 0 to 100 (finite), not 'ten'"),
    ],
)
def test_a_bad_value_is_refused_in_words_and_the_file_is_unchanged(
    demo_db, monkeypatch, tmp_path, service, percent, items, message
):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(GOOD)
    before = overrides.read_bytes()
    at = _prices_page(demo_db, monkeypatch, overrides)
    _new_discount(at, service, percent, items)
    _button(at, "Save").click()
    at.run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert any(message in e and e.startswith("Not saved: ") for e in errors), errors
    assert overrides.read_bytes() == before
    assert not at.success


def test_a_good_discount_is_saved_then_priced_here_and_on_the_costs_page(demo_db, monkeypatch, tmp_path):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(GOOD)
    at = _prices_page(demo_db, monkeypatch, overrides)
    assert _table(at).set_index("Price key").loc[KEY, "Effective price"] == "$0.00001667"
    _new_discount(at, "lambda", "17 %", "duration-*, provisioned-*", "Test Savings Plan")
    _button(at, "Check").click()
    at.run()
    assert any("this rule changes 18 prices" in s.value for s in at.success)  # 6 items x 3 regions
    assert tomllib.loads(overrides.read_text()) == tomllib.loads(GOOD)  # a check writes nothing
    _button(at, "Save").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = tomllib.loads(overrides.read_text())
    assert saved["discount"] == [
        {"service": "lambda", "percent": 17, "items": ["duration-*", "provisioned-*"], "name": "Test Savings Plan"}
    ]
    assert saved["override"] == tomllib.loads(GOOD)["override"]  # the other rule is kept
    assert any("saved to" in s.value for s in at.success)
    duration = _table(at).set_index("Price key").loc[KEY]
    # 0.0000166667 x (1 - 0.17) = 0.0000138334: the book's effective price, as the page shows it
    assert (duration["List price"], duration["Effective price"]) == ("$0.00001667", "$0.00001383")
    assert "Test Savings Plan: -17%" in duration["Your rules"]

    at.switch_page("views/costs.py")
    at.query_params["resource"] = "lambda:111122223333:us-east-1:fraud-score"
    at.run()
    assert not at.exception and not at.error
    lines = next(d.value for d in at.dataframe if "adjustment" in d.value.columns)
    durations = lines[lines["item"].str.startswith("Duration")]
    assert len(durations) and all("Test Savings Plan: -17%" in a for a in durations["adjustment"])
    for _, line in durations.iterrows():  # shown as money: "$1,234.56"
        assert abs(_usd(line["usd"]) - 0.83 * _usd(line["list_usd"])) <= 0.01  # each line rounded to the cent
    requests = lines[lines["item"] == "Requests"]
    assert (requests["usd"] == requests["list_usd"]).all() and (requests["adjustment"] == "—").all()


def _usd(shown: str) -> float:
    """A money figure as the page shows it (``charts.format.money``) read back."""
    return float(shown.replace("−", "-").replace("$", "").replace(",", ""))


def test_two_sessions_on_one_file_the_second_is_told_it_changed(demo_db, monkeypatch, tmp_path):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(GOOD)
    first = _prices_page(demo_db, monkeypatch, overrides)
    second = _prices_page(demo_db, monkeypatch, overrides)
    _new_discount(first, "lambda", "10", name="first")
    _button(first, "Save").click()
    first.run()
    assert not first.error
    after_first = overrides.read_bytes()

    _new_discount(second, "cloud-run", "20", name="second")
    assert any("changed since you opened it" in w.value for w in second.warning)  # said before any save
    _button(second, "Save").click()
    second.run()
    errors = [shown(e.value) for e in second.error]
    assert any("prices.toml changed since you opened it" in e and "was not saved" in e for e in errors), errors
    assert overrides.read_bytes() == after_first  # the first session's edit is intact

    _button(second, "Reload the rules from the file").click()
    second.run()
    rules = next(d.value for d in second.dataframe if "What it does" in d.value.columns)
    assert list(rules["Name"]) == ["first", ""]
    _new_discount(second, "cloud-run", "20", name="second")
    _button(second, "Save").click()
    second.run()
    assert not second.error
    assert [d["name"] for d in tomllib.loads(overrides.read_text())["discount"]] == ["first", "second"]


def test_a_rule_is_changed_and_removed(demo_db, monkeypatch, tmp_path):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(GOOD)
    at = _prices_page(demo_db, monkeypatch, overrides)
    at.selectbox(key="pe_choice_0").set_value("override:0")
    at.run()
    assert _field(at, "Price in USD").value == "0.1"
    _field(at, "Price in USD").input("0.09")
    _button(at, "Save").click()
    at.run()
    assert tomllib.loads(overrides.read_text())["override"][0]["usd"] == 0.09
    assert at.selectbox(key="pe_choice_1").value == "override:0"
    _button(at, "Remove this rule").click()
    at.run()
    assert not at.error and tomllib.loads(overrides.read_text()) == {}
    assert metrics_of(at)["Changed by your rules"] == "0"


def test_a_file_with_a_bad_value_is_named_and_fixed_in_the_editor(demo_db, monkeypatch, tmp_path):
    overrides = tmp_path / "prices.toml"
    overrides.write_text("[[discount]]\nservice = 'lambda'\npercent = 150\n")
    at = _prices_page(demo_db, monkeypatch, overrides)
    assert any("discount[0].percent: must be a number from 0 to 100, not 150" in shown(e.value) for e in at.error)
    assert str(tmp_path) not in " ".join(e.value for e in at.error)  # the file's name, not where it lives
    at.selectbox(key="pe_choice_0").set_value("discount:0")
    at.run()
    _field(at, "Percent off list").input("15")
    _button(at, "Save").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert tomllib.loads(overrides.read_text())["discount"][0]["percent"] == 15


def test_with_no_file_set_nothing_is_written_and_the_draft_is_offered(demo_db, monkeypatch, tmp_path):
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    at = _prices_page(demo_db, monkeypatch, None)
    assert any("No overrides file is set" in i.value and "BREAKEVEN_PRICE_OVERRIDES=" in i.value for i in at.info)
    _new_discount(at, "lambda", "5", name="draft plan")
    _button(at, "Add to the draft").click()
    at.run()
    assert not at.error and any("in the draft: 30 prices change" in s.value for s in at.success)
    assert at.session_state["pe_state"]["rules"]["discount"] == [
        {"service": "lambda", "percent": 5, "name": "draft plan"}
    ]
    assert [b.label for b in at.get("download_button")] == ["Download the rules as TOML"]
    assert list(here.iterdir()) == []  # nothing written where the dashboard runs
    assert _table(at).set_index("Price key").loc[KEY, "Effective price"] == "$0.00001667"  # a draft is not in use


@pytest.mark.parametrize("text", ["discount = 5\n", "not toml ==="])
def test_a_file_the_editor_cannot_show_is_named_and_left_alone(demo_db, monkeypatch, tmp_path, text):
    overrides = tmp_path / "prices.toml"
    overrides.write_text(text)
    at = _prices_page(demo_db, monkeypatch, overrides)
    assert any("The file cannot be edited here: prices.toml" in shown(e.value) for e in at.error)
    assert not [b for b in at.button if b.label == "Save"] and overrides.read_text() == text
    assert metrics_of(at)["Changed by your rules"] == "0"  # the table shows list prices meanwhile
