"""bench/tolerance.py, the engine-identity comparison within a stated tolerance: what passes and what fails."""

from __future__ import annotations

import numpy as np

from bench.tolerance import compare_text, tokens

DUMP = (
    "Row(name='fn-2', monthly_usd=74.46, cold_starts=799.931131460565, k=3, verdict=Verdict(action='serverless'), "
    "curve=array([1.5 , 2.  , 0.  , nan, inf]))"
)


def test_tokens_split_numbers_from_text_and_ignore_padding() -> None:
    assert tokens("array([1.5, 2. ,  3e-05]) ml.c5.large k=4") == [
        "array([",
        1.5,
        ",",
        2.0,
        ",",
        3e-05,
        "])ml.c5.largek=",
        4,
    ]


def test_identical_and_last_digit_changes_pass() -> None:
    assert compare_text(DUMP, DUMP).within
    moved = DUMP.replace("799.931131460565", "799.9311314605651").replace("1.5 , 2.  ,", "1.5000000000000002, 2.,")
    d = compare_text(DUMP, moved)
    assert d.within and d.changed == 2 and 0 < d.max_rel < 1e-15


def test_a_changed_figure_verdict_count_or_nan_fails() -> None:
    assert compare_text(DUMP, DUMP.replace("799.931131460565", "799.9311318")).within  # 4.3e-10 of itself
    for old, new in [
        ("799.931131460565", "799.93114"),  # 1.1e-8 of itself
        ("74.46", "74.47"),  # a cent
        ("'serverless'", "'endpoint'"),  # the verdict
        ("k=3", "k=4"),  # an integer
        ("nan", "0."),  # NaN became a number
        ("inf", "1e308"),
    ]:
        d = compare_text(DUMP, DUMP.replace(old, new))
        assert not d.within and d.failure, (old, new)


def test_absolute_tolerance_near_zero_and_token_count() -> None:
    assert compare_text("x=0.0", "x=3e-10").within
    assert not compare_text("x=0.0", "x=3e-9").within
    assert not compare_text("a=(1.0, 2.0)", "a=(1.0, 2.0, 3.0)").within
    assert compare_text(repr(np.array([1e-3, 2.0])), repr(np.array([1e-3 * (1 + 1e-12), 2.0]))).within
