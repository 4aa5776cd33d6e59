"""Every setting Breakeven reads from the environment, read in one place and validated in words.

``BREAKEVEN_DB`` (database file), ``BREAKEVEN_LOCK_WAIT_S`` (how long to wait out another process's lock),
``BREAKEVEN_NO_DEMO`` (first start builds an empty database, not the demo), ``BREAKEVEN_PRICE_OVERRIDES``
(the user's price overrides file), ``BREAKEVEN_UPLOAD_MAX_MB`` (largest file the Upload page takes),
``BREAKEVEN_READ_MEMORY_MB`` (DuckDB's memory for the reads in MiB, 256 unless set: a larger query spills to
the temporary folder rather than growing the dashboard's process), ``BREAKEVEN_ESTATE_GROUP`` (the resources the
estate's replay reads and replays together, 250 unless set: a smaller group holds less memory at once, a larger
one is faster; ``analysis.chunked``).

The environment is read on each call, not cached at import, so a test (or a long-lived server whose
environment a wrapper changed) sees what is set now. A bad value is refused with one line naming the
variable, never silently replaced by a default.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "breakeven.duckdb"
ENV_PREFIX = "BREAKEVEN_"


class SettingsError(ValueError):
    """An environment variable holds a value Breakeven cannot use; the message names it."""


class Settings(BaseSettings):
    """The environment's settings; empty variables count as unset."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore")

    db: Path | None = None
    lock_wait_s: float = Field(default=30.0, ge=0, le=86_400)
    no_demo: bool = False
    price_overrides: Path | None = None
    upload_max_mb: float = Field(default=200.0, gt=0, le=100_000)
    read_memory_mb: int = Field(default=256, ge=64, le=1_000_000)  # docs/performance.md: the reads' memory
    estate_group: int = Field(default=250, ge=1, le=100_000)  # analysis.chunked; docs/performance.md: group size


def settings() -> Settings:
    """The settings in the environment now (:class:`SettingsError` naming the variable when one is bad)."""
    try:
        return Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = f"{ENV_PREFIX}{problem['loc'][0]}".upper() if problem.get("loc") else ENV_PREFIX + "*"
        value = os.environ.get(name, "")
        raise SettingsError(f"{name}={value[:80]!r}: {problem['msg'].lower()}") from None


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None, config_value: Path | None = None) -> Path:
    """Which database a command or the dashboard uses: ``--db PATH``, then ``BREAKEVEN_DB``, then the ``db``
    key of a collector configuration file, then ``data/breakeven.duckdb`` in the project."""
    if cli_value:
        return Path(cli_value)
    env = settings().db
    if env is not None:
        return env
    if config_value is not None:
        return Path(config_value)
    return DEFAULT_DB


def is_default_db(path: Path) -> bool:
    """Whether ``path`` is the project's default database (where the first start writes the demo)."""
    return Path(path).resolve() == DEFAULT_DB.resolve()
