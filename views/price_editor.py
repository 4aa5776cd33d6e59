"""The Prices page's editor of the user's discounts and overrides (UI only).

Every value is checked in words before anything is written (``pricing.overrides_file.check_rules``: the
same field-by-field checks as reading the file, then every rule must match a price). The rules are saved to
the file ``BREAKEVEN_PRICE_OVERRIDES`` names, atomically, and refused when the file changed since this
session loaded it, so two sessions saving at once never silently lose one edit. With no file set nothing
is written anywhere: the rules make a draft to download, and the page says how to set the variable.

What a session loaded (rules, fingerprint) lives in ``st.session_state``; a generation counter in every
widget key makes the fields show the file's values again after a save or a reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from charts import prices as shape
from charts.text import md, md_code
from common.services import SERVICES
from pricing import PriceBook, SheetError, load_price_book
from pricing.listing import price_rows
from pricing.overrides_file import (
    KINDS,
    OverridesFileChangedError,
    Rules,
    check_rules,
    current_fingerprint,
    empty_rules,
    read_rules,
    rules_to_toml,
    save_rules,
)

STATE = "pe_state"
FLASH = "pe_flash"
LABELS = {
    "service": "Service",
    "percent": "Percent off list",
    "items": "Items",
    "regions": "Regions",
    "name": "Name",
    "item": "Item",
    "region": "Region",
    "usd": "Price in USD per unit",
}
PLACEHOLDERS = {
    "service": "lambda",
    "percent": "17",
    "items": "all items",
    "regions": "all regions",
    "name": "Compute Savings Plan",
    "item": "instance/ml.m5.large",
    "region": "all regions",
    "usd": "0.10",
}
HELP = {
    "service": "One of: " + ", ".join(sorted(SERVICES)),
    "percent": "0 to 100, e.g. 17 for a Compute Savings Plan that takes 17 % off.",
    "items": "Glob patterns over the items in the table above, comma-separated, e.g. duration-*, provisioned-*. "
    "Empty: every item of the service.",
    "regions": "Glob patterns over regions, comma-separated, e.g. us-*. Empty: every region.",
    "name": "Shown on every price and cost line the rule changes.",
    "item": "An item from the table above, or a glob pattern such as instance/ml.m5.*",
    "region": "A region, or a glob pattern such as europe-*. Empty: every region.",
    "usd": "Your price per unit (the table's Unit column), e.g. 0.10 for a private instance-hour rate.",
}


@st.cache_data(show_spinner=False)
def cached_bundled_book() -> PriceBook:
    """The bundled sheets alone: what every rule is checked against."""
    return load_price_book(use_env=False)


def _load(path: Path | None, generation: int) -> dict[str, Any]:
    if path is None:
        return {"path": "", "rules": empty_rules(), "fingerprint": "", "generation": generation, "exists": False,
                "has_comments": False, "problem": ""}  # fmt: skip
    loaded = read_rules(path)
    return {
        "path": str(path),
        "rules": loaded.rules,
        "fingerprint": loaded.fingerprint,
        "generation": generation,
        "exists": loaded.exists,
        "has_comments": loaded.has_comments,
        "problem": loaded.problem,
    }


def _state(path: Path | None) -> dict[str, Any]:
    state = st.session_state.get(STATE)
    if state is None or state["path"] != (str(path) if path else ""):
        state = _load(path, state["generation"] + 1 if state else 0)
        st.session_state[STATE] = state
    return state


def _reload(path: Path | None) -> None:
    st.session_state[STATE] = _load(path, st.session_state[STATE]["generation"] + 1)
    st.rerun()


def _changed_prices(book: PriceBook) -> int:
    return sum(1 for row in price_rows(book) if row.adjusted)


def _commit(path: Path | None, state: dict[str, Any], rules: Rules, select: str, done: str) -> None:
    """Check ``rules`` whole, then save them (or keep them as the draft); a refusal is one line in words and
    leaves the file and the draft as they were."""
    origin = path.name if path else "draft"
    try:
        preview = check_rules(rules, cached_bundled_book(), origin)
    except SheetError as exc:
        st.error(f"Not saved: {md(exc)}", icon=":material/block:")
        return
    changed = _changed_prices(preview)
    generation = state["generation"] + 1
    if path is None:
        message = f"{done} in the draft: {changed} prices change with it. Download the file below to use it."
        st.session_state[STATE] = {**state, "rules": rules, "generation": generation}
    else:
        try:
            fingerprint = save_rules(path, rules, state["fingerprint"])
        except OverridesFileChangedError as exc:
            st.error(f"Not saved: {md(exc)}.", icon=":material/sync_problem:")
            return
        except SheetError as exc:
            st.error(f"Not saved: {md(exc)}", icon=":material/block:")
            return
        message = (
            f"{done}, saved to {md_code(path.name)}: {changed} prices differ from list now. The Costs page and "
            "every other page price with it from their next run."
        )
        st.session_state[STATE] = {**state, "rules": rules, "fingerprint": fingerprint, "generation": generation,
                                   "exists": True, "has_comments": False}  # fmt: skip
    st.session_state[FLASH] = message
    st.session_state[f"pe_choice_{generation}"] = select
    st.rerun()


def _where(path: Path | None, state: dict[str, Any]) -> bool:
    """Say where the rules go; False when the file cannot be edited here (not TOML, unreadable)."""
    if path is None:
        st.info(
            "No overrides file is set, so this editor writes nothing: the rules you add make a draft that you "
            "download below. To use them, save the download (say as `prices.toml`) and start the dashboard "
            "with `BREAKEVEN_PRICE_OVERRIDES=prices.toml streamlit run app.py`; the Costs page, `python -m "
            "breakeven report` and `estimate`/`compare` (or `--overrides prices.toml`) then price with it, and "
            "this editor saves to it.",
            icon=":material/info:",
        )
        return True
    st.caption(f"Rules are saved to {md_code(path.name)} (named by `BREAKEVEN_PRICE_OVERRIDES`).")
    if state["problem"]:
        st.error(
            f"The file cannot be edited here: {md(state['problem'])}. Fix it in a text editor, then reload.",
            icon=":material/error:",
        )
        if st.button("Reload the file", key="pe_reload_broken"):
            _reload(path)
        return False
    if not state["exists"]:
        st.info(f"{md_code(path.name)} does not exist yet: the first save creates it.", icon=":material/info:")
    if current_fingerprint(path) != state["fingerprint"]:
        st.warning(
            f"{md_code(path.name)} changed since you opened it (another session or program saved it). Reload to "
            "see it as it is now; a save from here is refused until then, so neither change is lost.",
            icon=":material/sync_problem:",
        )
        if st.button("Reload the rules from the file", key=f"pe_reload_{state['generation']}"):
            _reload(path)
    elif state["has_comments"]:
        st.caption("The file may hold comments: a save from here rewrites it from its rules, without them.")
    return True


def _fields(kind: str, rule: dict[str, Any], prefix: str) -> dict[str, str]:
    values = shape.fields_of(kind, rule)
    columns = st.columns(len(shape.FIELDS[kind]))
    typed = {}
    for column, key in zip(columns, shape.FIELDS[kind], strict=True):
        typed[key] = column.text_input(
            LABELS[key], value=values[key], key=f"{prefix}_{key}", help=HELP.get(key), placeholder=PLACEHOLDERS[key]
        )
    return typed


def rules_editor(path: Path | None) -> None:
    """The rules in use (or the draft), a chooser, the chosen rule's fields, and check / save / remove."""
    state = _state(path)
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    if not _where(path, state):
        return
    rules: Rules = state["rules"]
    table = shape.rules_frame(rules)
    if table.empty:
        st.caption("No discounts or overrides yet: every effective price is the list price.")
    else:
        st.dataframe(table, hide_index=True, width="stretch")

    generation = state["generation"]
    choices = ["new:discount", "new:override"] + [
        f"{kind}:{index}"
        for kind in KINDS
        for index, rule in enumerate(rules.get(kind) or [])
        if isinstance(rule, dict)
    ]
    names = {"new:discount": "New discount (percent off list)", "new:override": "New override (your own price)"}

    def label(choice: str) -> str:
        if choice in names:
            return names[choice]
        kind, index = choice.split(":")
        return shape.rule_label(kind, int(index), rules[kind][int(index)])

    choice_key = f"pe_choice_{generation}"
    if st.session_state.get(choice_key) not in choices:
        st.session_state.pop(choice_key, None)
    choice = st.selectbox("Rule to edit", choices, format_func=label, key=choice_key)
    kind, _, position = choice.partition(":")
    is_new = kind == "new"
    kind = position if is_new else kind
    index = None if is_new else int(position)
    rule = {} if index is None else dict(rules[kind][index])
    typed = _fields(kind, rule, f"pe_{generation}_{choice}")

    edited = {k: [dict(r) for r in (v or [])] if k in KINDS else v for k, v in rules.items()}
    candidate = shape.rule_from_fields(kind, typed)
    if index is None:
        edited.setdefault(kind, []).append(candidate)
        select = f"{kind}:{len(edited[kind]) - 1}"
    else:
        edited[kind][index] = candidate
        select = choice
    verb = "Save" if path else "Add to the draft" if is_new else "Change in the draft"
    left, middle, right = st.columns(3)
    if left.button("Check", key=f"pe_check_{generation}", icon=":material/rule:"):
        _check(path, kind, candidate, edited)
    if middle.button(verb, key=f"pe_save_{generation}", type="primary", icon=":material/save:"):
        _commit(path, state, edited, select, f"{kind.capitalize()} {'added' if is_new else 'changed'}")
    if index is not None and right.button("Remove this rule", key=f"pe_remove_{generation}", icon=":material/delete:"):
        remaining = {k: [dict(r) for r in (v or [])] if k in KINDS else v for k, v in rules.items()}
        del remaining[kind][index]
        _commit(path, state, remaining, "new:discount", f"{kind.capitalize()}[{index}] removed")
    st.download_button(
        "Download the rules as TOML",
        rules_to_toml(rules),
        file_name=path.name if path else "prices.toml",
        mime="application/toml",
        key=f"pe_download_{generation}",
        icon=":material/download:",
        help="The overrides file as saved (or, with no file set, the draft).",
    )


def _check(path: Path | None, kind: str, candidate: dict[str, Any], edited: Rules) -> None:
    """Check without saving, and show the prices this one rule changes (list against effective, from the book)."""
    origin = path.name if path else "draft"
    try:
        check_rules(edited, cached_bundled_book(), origin)
        alone = check_rules({kind: [candidate]}, cached_bundled_book(), origin)
    except SheetError as exc:
        st.error(f"Would not be saved: {md(exc)}", icon=":material/block:")
        return
    changed = [row for row in price_rows(alone) if row.adjusted]
    st.success(f"Every value is good: this rule changes {len(changed)} prices.", icon=":material/check_circle:")
    columns = ["Service", "Item", "Region", "Unit", "List price", "Effective price", "Your rules"]
    st.dataframe(shape.prices_frame(changed)[columns], hide_index=True, width="stretch")
