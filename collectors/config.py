"""The collector configuration file (TOML): the database, and a list of ``[[sources]]`` of any kind.

Parsing is dispatched per ``kind`` through ``SOURCE_KINDS`` (``kind -> "module:function"``, imported
lazily so an AWS-only install never imports the GCP client and vice versa). A kind's parser receives a
``ConfigTable`` — a reader that names the file, the source and the key in every error and rejects
unknown keys — and returns a ``collectors.source.Source``. Every error is one ``ConfigError`` line.

    db = "data/breakeven.duckdb"          # relative to this file's directory
    [[sources]]
    kind = "aws"
    name = "prod"
    ...
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from collectors.errors import ConfigError
from collectors.source import Source, SourceSettings

# kind -> "module:function"; the function is ``parse_source(table: ConfigTable) -> Source``.
SOURCE_KINDS: dict[str, str] = {
    "aws": "collectors.aws.source:parse_source",
    "gcp": "collectors.gcp.source:parse_source",
}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
TOP_LEVEL_KEYS = ("db", "sources")
_MISSING: Any = object()


class ConfigTable:
    """Typed, one-line-error reads of one TOML table; ``finish()`` rejects keys nobody read."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self._read: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key}: {message}")

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ConfigError(f"{self.where}: missing required key {key!r}")
        return default

    def has(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, default: Any = _MISSING, choices: Sequence[str] | None = None) -> Any:
        value = self._get(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, str) or not value:
            raise self.error(key, f"expected a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def string_list(self, key: str, default: Any = _MISSING, choices: Sequence[str] | None = None) -> Any:
        value = self._get(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, f"expected a non-empty list of strings, got {value!r}")
        if choices is not None:
            unknown = [v for v in value if v not in choices]
            if unknown:
                raise self.error(key, f"unknown value(s) {unknown}; known: {', '.join(choices)}")
        if len(set(value)) != len(value):
            raise self.error(key, f"repeated values in {value}")
        return list(value)

    def boolean(self, key: str, default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def integer(self, key: str, default: Any = _MISSING, minimum: int | None = None, maximum: int | None = None) -> Any:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"{value} is below the minimum {minimum}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"{value} is above the maximum {maximum}")
        return value

    def settings(
        self,
        *,
        lag_minutes: int,
        period_seconds: int,
        first_run_days: int,
        min_lag_minutes: int = 0,
        allowed_periods: Sequence[int] = (60, 300, 3600),
    ) -> SourceSettings:
        """The keys every source has, with the kind's defaults and bounds (see ``SourceSettings``)."""
        kind = self.string("kind")
        name = self.string("name")
        if not NAME_PATTERN.match(name):
            raise self.error("name", f"{name!r} must be letters, digits, '.', '_' or '-' (at most 63)")
        lag = self.integer("lag_minutes", lag_minutes, minimum=min_lag_minutes, maximum=7 * 24 * 60)
        period = self.integer("period_seconds", period_seconds)
        if period not in allowed_periods:
            raise self.error("period_seconds", f"{period} is not one of {', '.join(map(str, allowed_periods))}")
        first = self.integer("first_run_days", first_run_days, minimum=1, maximum=455)
        workers = self.integer("max_workers", 4, minimum=1, maximum=32)
        return SourceSettings(
            kind=kind,
            name=name,
            lag=timedelta(minutes=lag),
            period_s=period,
            first_run=timedelta(days=first),
            max_workers=workers,
        )

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(map(repr, unknown))}")


@dataclass
class CollectorConfig:
    path: Path
    db: Path | None  # None: fall back to $BREAKEVEN_DB, then data/breakeven.duckdb
    sources: list[Source]


def source_parser(kind: str, where: str) -> Callable[[ConfigTable], Source]:
    """The registered parser of ``kind``, imported on first use."""
    target = SOURCE_KINDS.get(kind)
    if target is None:
        raise ConfigError(f"{where}: kind: unknown kind {kind!r}; known: {', '.join(sorted(SOURCE_KINDS))}")
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ConfigError(f"{where}: kind: {kind!r} sources are not available in this installation") from None
        raise
    return getattr(module, function)


def parse_config(text: str, path: Path) -> CollectorConfig:
    """Parse a whole configuration file; ``path`` names it in errors and anchors a relative ``db``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(map(repr, unknown))}")
    db = data.get("db")
    if db is not None and (not isinstance(db, str) or not db):
        raise ConfigError(f"{path}: db: expected a file path string, got {db!r}")
    db_path = (path.parent / db) if db and not Path(db).is_absolute() else (Path(db) if db else None)
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(f"{path}: no [[sources]] tables; add at least one (see collectors.example.toml)")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_sources, start=1):
        label = f"{path}: [[sources]] #{index}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{label}: expected a table")
        if isinstance(raw.get("name"), str):
            label += f" ({raw['name']})"
        kind = raw.get("kind")
        if not isinstance(kind, str):
            raise ConfigError(f"{label}: missing required key 'kind' ({' or '.join(sorted(SOURCE_KINDS))})")
        table = ConfigTable(raw, label)
        source = source_parser(kind, label)(table)
        table.finish()
        if source.settings.name in seen:
            raise ConfigError(f"{label}: name: {source.settings.name!r} is used by another source")
        seen.add(source.settings.name)
        sources.append(source)
    return CollectorConfig(path=path, db=db_path, sources=sources)


def load_config(path: Path) -> CollectorConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (start from collectors.example.toml)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path)
