"""Tables for the Prices page: the price book with provenance, the prices that reuse another region's figures,
and the user's rules as an editor shows them. Built from ``pricing.listing.price_rows`` (the rows
``python -m breakeven prices`` prints), without Streamlit; no cost arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from charts.format import unit_price
from common.services import PROVIDER_LABELS, service_label
from pricing.book import Tiers
from pricing.listing import PriceRow
from pricing.overrides_file import KINDS, number_or_text, patterns_of

CONFIDENCE_MARK = {"verified": "✓ verified", "third-party": "◐ third-party", "unconfirmed": "⚠ unconfirmed"}
PRICE_COLUMNS = [
    "Service",
    "Item",
    "Region",
    "Unit",
    "List price",
    "Effective price",
    "Confidence",
    "Retrieved",
    "Source",
    "Your rules",
    "Reuses figures of",
    "Volume tiers (effective)",
    "Note",
    "Provider",
    "Price key",
]
# The fields an editor offers per kind of rule, in order; the keys are the overrides file's.
FIELDS = {
    "discount": ("service", "percent", "items", "regions", "name"),
    "override": ("service", "item", "region", "usd", "name"),
}


def quantity(value: float) -> str:
    """A tier boundary as people say it, exact to three decimals: 6 B, 18.75 B, 400 k."""
    for size, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:,.3f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def tiers_text(tiers: Tiers, unit: str) -> str:
    """Volume tiers readably ("$0.00001667 per GB-second up to 6 B a month, $0.000015 from 6 B to 15 B,
    $0.00001333 above 15 B"); a flat price is just its price."""
    if len(tiers) == 1:
        return unit_price(tiers[0][1], unit)
    parts = []
    for index, (start, usd) in enumerate(tiers):
        price = unit_price(usd, unit if index == 0 else "")
        if index == 0:
            parts.append(f"{price} up to {quantity(tiers[1][0])} a month")
        elif index + 1 < len(tiers):
            parts.append(f"{price} from {quantity(start)} to {quantity(tiers[index + 1][0])}")
        else:
            parts.append(f"{price} above {quantity(start)}")
    return ", ".join(parts)


def safe_link(url: str) -> str | None:
    """Only web addresses become links (a sheet or a refresh could carry anything); the page never fetches them."""
    return url if url.startswith(("https://", "http://")) else None


def prices_frame(rows: Sequence[PriceRow]) -> pd.DataFrame:
    """One line per price: list and effective price, tiers, provenance and what changed it."""
    return pd.DataFrame(
        [
            {
                "Provider": PROVIDER_LABELS.get(r.provider, r.provider),
                "Service": service_label(r.service),
                "Item": r.item,
                "Region": r.region,
                "Unit": r.unit,
                "List price": unit_price(r.list_usd),
                "Effective price": unit_price(r.usd),
                "Volume tiers (effective)": tiers_text(r.tiers, r.unit) if len(r.tiers) > 1 else "",
                "Confidence": CONFIDENCE_MARK.get(r.confidence, r.confidence),
                "Retrieved": r.retrieved,
                "Source": safe_link(r.url),
                "Reuses figures of": f"{r.reuses_region} (assumed)" if r.reuses_region else "",
                "Your rules": r.adjustment,
                "Note": r.note,
                "Price key": r.key,
            }
            for r in rows
        ],
        columns=PRICE_COLUMNS,
    )


def confidence_counts(rows: Iterable[PriceRow]) -> dict[str, int]:
    counts = dict.fromkeys(CONFIDENCE_MARK, 0)
    for row in rows:
        counts[row.confidence] = counts.get(row.confidence, 0) + 1
    return counts


def reuse_frame(rows: Iterable[PriceRow]) -> pd.DataFrame:
    """Per region, how many of its prices are another region's figures, assumed: what a refresh would replace."""
    groups: dict[tuple[str, str, str], list[PriceRow]] = {}
    for row in rows:
        if row.reuses_region:
            groups.setdefault((row.provider, row.region, row.reuses_region), []).append(row)
    return pd.DataFrame(
        [
            {
                "Provider": PROVIDER_LABELS.get(provider, provider),
                "Region": region,
                "Reuses figures of": home,
                "Prices": len(found),
                "Services": ", ".join(sorted({service_label(r.service) for r in found})),
                "Refresh with": f"python -m breakeven refresh --provider {provider}",
            }
            for (provider, region, home), found in sorted(groups.items())
        ],
        columns=["Provider", "Region", "Reuses figures of", "Prices", "Services", "Refresh with"],
    )


def _as_list(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def rule_summary(kind: str, rule: Mapping[str, Any]) -> str:
    """What a rule does, in a few words: "−17 % on lambda duration-*, in all regions"."""
    service = str(rule.get("service", "?"))
    if kind == "discount":
        amount = rule.get("percent")
        off = f"−{amount:g} %" if isinstance(amount, int | float) and not isinstance(amount, bool) else f"{amount!r} %"
        items = _as_list(rule.get("items", ["*"])) or "*"
        regions = _as_list(rule.get("regions", ["*"])) or "*"
    else:
        usd = rule.get("usd")
        off = (
            unit_price(usd) if isinstance(usd, int | float) and not isinstance(usd, bool) else f"{usd!r}"
        ) + " a unit"
        items = str(rule.get("item", "?"))
        regions = str(rule.get("region", "*"))
    where = "all regions" if regions == "*" else regions
    return f"{off} on {service} {items}, in {where}"


def rule_label(kind: str, index: int, rule: Mapping[str, Any]) -> str:
    """The rule as the editor's chooser lists it, indexed as the checks' messages name it (``discount[0]``)."""
    name = rule.get("name")
    named = f" · {name}" if isinstance(name, str) and name else ""
    return f"{kind}[{index}]{named} · {rule_summary(kind, rule)}"


def rules_frame(rules: Mapping[str, Any]) -> pd.DataFrame:
    """The rules in the file (or the draft), one line each, in the order the checks number them."""
    lines = [
        {"Rule": f"{kind}[{index}]", "Name": str(rule.get("name", "")), "What it does": rule_summary(kind, rule)}
        for kind in KINDS
        for index, rule in enumerate(rules.get(kind) or [])
        if isinstance(rule, Mapping)
    ]
    return pd.DataFrame(lines, columns=["Rule", "Name", "What it does"])


def fields_of(kind: str, rule: Mapping[str, Any]) -> dict[str, str]:
    """A rule's values as the editor's text fields show them."""
    out = {}
    for key in FIELDS[kind]:
        value = rule.get(key)
        if isinstance(value, list):
            out[key] = ", ".join(str(v) for v in value)
        elif isinstance(value, float) and value.is_integer():
            out[key] = f"{value:.0f}"
        else:
            out[key] = "" if value is None else str(value)
    return out


def rule_from_fields(kind: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """The rule a user typed, as overrides-file data, unchecked: a number field that is not a number stays
    text and an empty required field is left out, so the checks name the key in words. Optional patterns
    left empty mean "all", as in the file."""
    rule: dict[str, Any] = {}
    for key in FIELDS[kind]:
        text = fields.get(key, "")
        if key in ("percent", "usd"):
            value: Any = number_or_text(text, percent=key == "percent")
        elif key in ("items", "regions"):
            value = patterns_of(text) or None
        elif key == "name":
            value = text.strip() or None
        else:
            value = text.strip() or None
        if value is not None:
            rule[key] = value
    return rule
