"""The typed JSON form of what a page shows (the estate's tables and the Overview's spend), and the versions
that say what it was computed from: no pickle, since a pickle in the data folder is code execution for
whoever can write it, while this form is only ever data checked against the dataclasses of
``analysis.types``, ``analysis.coldstarts``, ``analysis.idle`` and ``analysis.window_spend``.

Each row of a table is its own JSON document (``store.summaries`` keeps one database row per resource row);
a table's other fields are a one-row part of their own (its rows left empty). Reading validates every
document strictly with pydantic's ``TypeAdapter`` (a string where a number belongs, a missing field, a wrong
shape: refused) and builds the same frozen dataclasses the analysis returns. ``encode_*`` is only used after
checking that reading the form back gives an equal value (``exact``), so a value JSON cannot hold (a NaN, a
number type of its own) is never stored in a lossy form: it is recomputed instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
from pydantic import TypeAdapter, ValidationError

from analysis.coldstarts import ColdStartRow, ColdStartTable
from analysis.idle import EndpointIdle, IdleTable
from analysis.params import ModelParams
from analysis.spend import ResourceSpend
from analysis.spend import Spend as BillSpend
from analysis.tables import EstateTables
from analysis.types import EstateAssessment, ResourceRow
from analysis.window_spend import Spend
from store import queries as q
from store.summaries import Part, SummaryDamaged

# the code a stored summary depends on: the analysis, the engine, prices and their sheets, and the store's
# reads and the vocabulary under them; any change to them makes every stored summary unused
CODE_PACKAGES = ("analysis", "replay", "pricing", "store", "common")
CODE_SUFFIXES = (".py", ".json")

TABLE_PARTS = ("estate", "estate.rows", "cold_starts", "cold_starts.rows", "idle", "idle.rows")
ESTATE_PARTS = TABLE_PARTS[:2]  # the estate's table alone (the Overview, Costs and What-if pages read no more)
SPEND_PARTS = ("spend",)
BILL_SPEND_PARTS = ("bill_spend", "bill_spend.covered", "bill_spend.rows")
_COVERED = list[tuple[tuple[str, str], tuple[date, date]]]  # a dict keyed by (provider, account): JSON keys are text

_TABLES: tuple[tuple[str, type, type], ...] = (
    ("estate", EstateAssessment, ResourceRow),
    ("cold_starts", ColdStartTable, ColdStartRow),
    ("idle", IdleTable, EndpointIdle),
)


@cache
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


@cache
def code_version() -> str:
    """A digest of the sources and price sheets the summary is computed by, once per process: an upgrade
    (or an edited sheet) never serves numbers an older code computed."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"pydantic {pydantic.VERSION}\n".encode())
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def overrides_digest(path: Path | None) -> str:
    """The content of the price overrides file in use (not its name or time): part of the key."""
    if path is None:
        return "none"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"  # the book was loaded without it too


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def summary_key(filters: q.Filters, params: ModelParams, overrides: str) -> tuple[str, str]:
    """(key, label): what a summary was computed for (the filters, the window they resolve to, every
    assumption, the overrides' content), as a digest, and the same in words for whoever reads the table."""
    lo, hi = filters.window()
    what = {
        "filters": {k: _plain(v) for k, v in asdict(filters).items()},
        "window": [lo.isoformat(), hi.isoformat()],
        "params": asdict(params),
        "overrides": overrides,
    }
    key = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
    changed = {k: v for k, v in asdict(params).items() if v != getattr(ModelParams(), k)}
    chosen = {k: v for k, v in asdict(filters).items() if v and k not in ("start", "end")}
    label = f"{lo:%Y-%m-%d %H:%M} → {hi:%Y-%m-%d %H:%M}"
    label += f"; {json.dumps(chosen, default=str)}" if chosen else "; all resources"
    label += f"; assumptions {json.dumps(changed)}" if changed else "; default assumptions"
    return key, label


def _dump(kind: Any, value: Any) -> bytes:
    return _adapter(kind).dump_json(value, warnings="error")


def _load_many(kind: Any, bodies: list[bytes], part: str) -> tuple:
    try:
        return _adapter(tuple[kind, ...]).validate_json(b"[" + b",".join(bodies) + b"]", strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise SummaryDamaged(f"stored {part} does not read as {kind.__name__} ({where}: {first['msg']})") from None


def encode_tables(tables: EstateTables) -> list[Part]:
    parts = []
    for name, kind, row_kind in _TABLES:
        table = getattr(tables, name)
        parts.append(Part(name, (("", _dump(kind, replace(table, rows=()))),)))
        parts.append(Part(f"{name}.rows", tuple((r.resource_id, _dump(row_kind, r)) for r in table.rows)))
    return parts


def _decode_table(parts: dict[str, list[bytes]], name: str, kind: type, row_kind: type) -> Any:
    head = _load_many(kind, parts[name], name)
    if len(head) != 1:
        raise SummaryDamaged(f"stored {name} has {len(head)} heads")
    return replace(head[0], rows=_load_many(row_kind, parts[f"{name}.rows"], f"{name}.rows"))


def decode_tables(parts: dict[str, list[bytes]]) -> EstateTables:
    return EstateTables(**{name: _decode_table(parts, name, kind, row_kind) for name, kind, row_kind in _TABLES})


def decode_estate(parts: dict[str, list[bytes]]) -> EstateAssessment:
    """The estate's table alone (``ESTATE_PARTS``): what ``decode_tables`` gives as ``.estate``, without
    validating the cold-start and idle tables a page that shows only the estate never reads."""
    name, kind, row_kind = _TABLES[0]
    return _decode_table(parts, name, kind, row_kind)


def encode_spend(spend: Spend) -> list[Part]:
    return [Part("spend", (("", _dump(Spend, spend)),))]


def decode_spend(parts: dict[str, list[bytes]]) -> Spend:
    found = _load_many(Spend, parts["spend"], "spend")
    if len(found) != 1:
        raise SummaryDamaged(f"stored spend has {len(found)} documents")
    return found[0]


def encode_bill_spend(spend: BillSpend) -> list[Part]:
    """The Overview's spend line (``analysis.spend``): its resources a row each, its covered accounts as pairs."""
    head = replace(spend, resources=[], covered={})
    return [
        Part("bill_spend", (("", _dump(BillSpend, head)),)),
        Part("bill_spend.covered", (("", _dump(_COVERED, list(spend.covered.items()))),)),
        Part("bill_spend.rows", tuple((r.resource_id, _dump(ResourceSpend, r)) for r in spend.resources)),
    ]


def decode_bill_spend(parts: dict[str, list[bytes]]) -> BillSpend:
    head = _load_many(BillSpend, parts["bill_spend"], "bill_spend")
    covered = _load_many(_COVERED, parts["bill_spend.covered"], "bill_spend.covered")
    if len(head) != 1 or len(covered) != 1:
        raise SummaryDamaged("stored bill_spend is not one document")
    rows = _load_many(ResourceSpend, parts["bill_spend.rows"], "bill_spend.rows")
    return replace(head[0], resources=list(rows), covered=dict(covered[0]))


def exact(value: Any, parts: list[Part], decode: Any) -> bool:
    """Whether ``parts`` read back equal to ``value``: every float to the bit (JSON keeps the shortest repr
    that reads back as the same double), None, tuples and nested rows. A number is read as the type its
    field declares (a sum of no rows, int ``0`` in a ``float`` field, comes back as ``0.0``, equal to it)."""
    try:
        back = decode({p.name: [body for _, body in p.rows] for p in parts})
    except SummaryDamaged:
        return False
    return bool(back == value)
