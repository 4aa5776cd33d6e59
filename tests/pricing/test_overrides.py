"""Discounts and absolute overrides from the user's TOML file: effective and list prices both kept."""

from __future__ import annotations

import pytest

from pricing import SheetError, estimate, load_price_book, parse_usage
from pricing.overrides import ENV_VAR

OVERRIDES = """
[[discount]]
service = "lambda"
percent = 17
items = ["duration-*", "provisioned-*"]
name = "Compute Savings Plan"

[[override]]
service = "sagemaker-endpoint"
item = "instance/ml.m5.large"
region = "us-east-1"
usd = 0.1
name = "private rate"
"""


@pytest.fixture
def overrides_file(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text(OVERRIDES)
    return path


def test_discount_keeps_list_and_effective_prices(overrides_file):
    book = load_price_book(overrides_file, use_env=False)
    result = estimate(
        parse_usage({"service": "lambda", "memory_mb": 1024, "requests": 7_440_000, "avg_duration_ms": 2000}), book
    )
    requests, duration = result.lines
    assert requests.usd == requests.list_usd == 1.49  # Savings Plans do not cover requests
    assert duration.list_usd == 248.00
    assert duration.usd == 205.84  # 14.88M GB-s x 0.0000166667 x 0.83 = 205.84
    assert duration.unit_price_usd == pytest.approx(0.0000166667 * 0.83)
    assert "Compute Savings Plan: -17%" in duration.source.adjustment
    assert result.list_total_usd == 249.49 and result.total_usd == 207.33
    data = result.to_dict()
    assert data["list_total_usd"] == 249.49 and data["lines"][1]["source"]["adjustment"]


def test_absolute_override_applies_only_where_it_matches(overrides_file):
    book = load_price_book(overrides_file, use_env=False)
    here = book.price("sagemaker-endpoint", "instance/ml.m5.large", "us-east-1")
    there = book.price("sagemaker-endpoint", "instance/ml.m5.large", "us-west-2")
    assert (here.usd, here.list_usd) == (0.1, 0.115)
    assert there.usd == there.list_usd == 0.115


def test_env_var_names_the_file(overrides_file, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(overrides_file))
    assert load_price_book().price("sagemaker-endpoint", "instance/ml.m5.large", "us-east-1").usd == 0.1
    assert load_price_book(use_env=False).price("sagemaker-endpoint", "instance/ml.m5.large", "us-east-1").usd == 0.115


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[discount]]\nservice = 'lambda'\npercent = 120\n", "discount[0].percent: must be a number from 0 to 100"),
        ("[[discount]]\nservice = 'lambda'\n", "discount[0].percent: missing key"),
        (
            "[[override]]\nservice = 'lambda'\nitem = 'nope'\nusd = 1\n",
            "override[0].item: no lambda price matches ['nope']",
        ),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = -1\n", "override[0].usd: must be a non-neg"),
        # a rule that matches nothing names the key at fault
        ("[[discount]]\nservice = 'lamda'\npercent = 5\n", "discount[0].service: unknown service 'lamda' (priced: "),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = ['zzz*']\n", "discount[0].items: no lambda price"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nregions = ['ap-*']\n", "discount[0].regions: no price match"),
        ("[[override]]\nservice = 'x'\nitem = '*'\nusd = 1\n", "override[0].service: unknown service 'x'"),
        ("[[override]]\nservice = 'lambda'\nitem = '*'\nregion = 'mars'\nusd = 1\n", "override[0].region: no price"),
        ("[[override]]\nservice = 'lambda'\nitem = 'x'\nusd = 1\ncolour = 2\n", "override[0].colour: unknown key"),
        ("[markup]\nx = 1\n", "markup: unknown table"),
        ("not toml ===", "is not valid TOML"),
        # numbers: finite, in range, not booleans or strings
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = nan\n", "override[0].usd: must be a non-neg"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = inf\n", "override[0].usd: must be a non-neg"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = -inf\n", "override[0].usd: must be a non-neg"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = true\n", "override[0].usd: must be a non-neg"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nusd = '0.1'\n", "override[0].usd: must be a non-neg"),
        ("[[discount]]\nservice = 'lambda'\npercent = nan\n", "discount[0].percent: must be a number from 0 to 100"),
        ("[[discount]]\nservice = 'lambda'\npercent = inf\n", "discount[0].percent: must be a number from 0 to 100"),
        ("[[discount]]\nservice = 'lambda'\npercent = -5\n", "discount[0].percent: must be a number from 0 to 100"),
        ("[[discount]]\nservice = 'lambda'\npercent = false\n", "discount[0].percent: must be a number from 0 to 100"),
        # tables where tables belong
        ("discount = 5\n", "discount: must be a list of tables, each starting with a [[discount]] line"),
        ("override = ['x']\n", "override: must be a list of tables"),
        ("[discount]\nservice = 'lambda'\npercent = 5\n", "discount: must be a list of tables"),
        # strings where strings belong
        ("[[override]]\nservice = 3\nitem = 'requests-*'\nusd = 1\n", "override[0].service: must be a string"),
        ("[[override]]\nservice = 'lambda'\nitem = ['requests-*']\nusd = 1\n", "override[0].item: must be a string"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nregion = 1\nusd = 1\n", "override[0].region: must"),
        ("[[override]]\nservice = 'lambda'\nitem = 'requests-*'\nname = {a = 1}\nusd = 1\n", "override[0].name: must"),
        ("[[override]]\nservice = 'lambda'\nitem = ''\nusd = 1\n", "override[0].item: must not be empty"),
        ("[[discount]]\nservice = ''\npercent = 5\n", "discount[0].service: must not be empty"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nname = 7\n", "discount[0].name: must be a string"),
        # lists of strings: a bare string is not split into characters
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = 'zzz*'\n", "discount[0].items: must be a list"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nregions = 'us-*'\n", "discount[0].regions: must be a list"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = []\n", "discount[0].items: must be a non-empty list"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = ['a', 3]\n", "discount[0].items[1]: must be a non-em"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nregions = 'x'\n", "discount[0].regions: must be a list"),
        ("[[discount]]\nservice = 'lambda'\npercent = 5\nitems = 7\n", "discount[0].items: must be a non-empty list"),
    ],
)
def test_bad_overrides_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SheetError) as error:
        load_price_book(path, use_env=False)
    assert message in str(error.value)
    assert str(path) in str(error.value)  # the line names the file
    assert "\n" not in str(error.value)


def test_a_discount_on_a_bare_string_matches_nothing_silently_never(tmp_path):
    """``items = "zzz*"`` once became the patterns z, z, z and * and discounted every Lambda price."""
    path = tmp_path / "prices.toml"
    path.write_text("[[discount]]\nservice = 'lambda'\npercent = 50\nitems = 'zzz*'\n")
    with pytest.raises(SheetError, match=r'items = \["zzz\*"\]'):
        load_price_book(path, use_env=False)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[[discount]]\nservice = 'lambda'\npercent = 5\nname = '\xff\xfe'\n", "is not UTF-8 text"),
        (b"\xef\xbb\xbf\xc3\x28 = 1\n", "is not UTF-8 text"),
    ],
)
def test_bad_utf8_is_one_line_naming_the_file(tmp_path, raw, message):
    path = tmp_path / "latin1.toml"
    path.write_bytes(raw)
    with pytest.raises(SheetError) as error:
        load_price_book(path, use_env=False)
    assert message in str(error.value) and str(path) in str(error.value) and "\n" not in str(error.value)


def test_an_overrides_path_that_is_a_folder_is_one_line(tmp_path):
    with pytest.raises(SheetError, match="cannot be read") as error:
        load_price_book(tmp_path, use_env=False)
    assert "\n" not in str(error.value)


def test_missing_overrides_file(tmp_path):
    with pytest.raises(SheetError, match="overrides file not found"):
        load_price_book(tmp_path / "absent.toml", use_env=False)
