"""The one skeleton every cloud source is built on: settings, plan, collect per group of scopes, transform.

A kind of source is a folder of the same files (``collectors/aws``, ``collectors/gcp``):

- ``settings.py``: the kind's ``[[sources]]`` keys, validated into a settings object;
- ``source.py``: ``parse_source`` and the :class:`CloudSource` subclass (which scopes exist, how they group,
  what clients a run opens);
- ``plan.py``: the dry run of one group (what would be fetched, the API calls, the estimated cost; no
  billable call);
- ``collect.py``: the collection of one group (inventory, metrics, configuration, one outcome per scope);
- the transforms (``aws/metrics.py``, ``gcp/transforms*.py``): the cloud's answers as canonical metric rows
  and configuration.

What is the same for every kind lives here, once: scopes are grouped (AWS collects an account's region in
one go, so its services share GetMetricData batches; GCP collects each scope alone), groups run in
parallel (``max_workers``), an exception that escapes a group fails that group's scopes and no others, a
source whose clients cannot even be opened fails all its scopes with one reason, and the plans of the
groups are merged.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar

from collectors.source import (
    Collection,
    Plan,
    RetentionTier,
    RunContext,
    Scope,
    ScopeListing,
    ScopeOutcome,
    SourceSettings,
    Window,
)

Scoped = dict[Scope, list[Window]]


class SourceUnavailable(Exception):
    """The source cannot run at all (its credentials cannot be loaded): every scope fails with this reason."""


def failed_outcomes(scopes: Sequence[Scope] | Mapping[Scope, Any], reason: str) -> list[ScopeOutcome]:
    """The outcome of scopes of which nothing could be read, for the same one reason."""
    return [ScopeOutcome(scope, "failed", errors=[reason], missing=["everything"]) for scope in scopes]


def one_line(exc: BaseException) -> str:
    """An unexpected error as one line: its type, and its message with the whitespace folded."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


class CloudSource:
    """A configured source of some cloud: the runner's ``Source`` protocol, with the shared skeleton filled in.

    A kind overrides ``scopes``, ``plan_group`` and ``collect_group``, and where it needs to ``group_of``
    (default: every scope alone), ``open_run`` (clients shared by the groups of a run), ``plan_notes`` and
    ``describe_failure``.
    """

    kind: ClassVar[str]
    retention: Sequence[RetentionTier]
    settings: SourceSettings

    # --- what a kind provides ----------------------------------------------------------------------
    def scopes(self, ctx: RunContext) -> ScopeListing:
        raise NotImplementedError

    def group_of(self, scope: Scope) -> Hashable:
        """Scopes with the same group are planned and collected together, by one call."""
        return scope

    @contextmanager
    def open_run(self, ctx: RunContext) -> Iterator[Any]:
        """What every group of one collection shares (clients), closed after it; ``SourceUnavailable`` if none."""
        yield None

    def plan_group(self, key: Hashable, scoped: Scoped, ctx: RunContext) -> Plan:
        raise NotImplementedError

    def collect_group(self, key: Hashable, scoped: Scoped, run: Any, ctx: RunContext) -> Collection:
        """One group's resources, configuration, rows, and exactly one outcome per scope; must not raise
        for a scope's own failure (an exception that escapes fails the whole group)."""
        raise NotImplementedError

    def plan_notes(self) -> list[str]:
        return []

    def describe_failure(self, exc: BaseException) -> str:
        """The reason recorded for every scope of a group an unexpected exception took down."""
        return one_line(exc)

    # --- the same for every kind -------------------------------------------------------------------
    def groups(self, windows: Mapping[Scope, list[Window]]) -> dict[Hashable, Scoped]:
        grouped: dict[Hashable, Scoped] = {}
        for scope, wins in windows.items():
            grouped.setdefault(self.group_of(scope), {})[scope] = wins
        return dict(sorted(grouped.items(), key=lambda item: item[0]))  # type: ignore[arg-type, return-value]

    def plan(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Plan:
        """Dry run: each group's plan, merged, with the kind's notes; writes nothing, calls nothing billable."""
        plan = Plan()
        for key, scoped in self.groups(windows).items():
            part = self.plan_group(key, scoped, ctx)
            plan.items.extend(part.items)
            plan.failures.extend(part.failures)
            plan.notes.extend(n for n in part.notes if n not in plan.notes)
        plan.notes.extend(self.plan_notes())
        return plan

    def collect(self, windows: Mapping[Scope, list[Window]], ctx: RunContext) -> Collection:
        """Every group collected, ``max_workers`` at a time; a group that raises fails only its own scopes."""
        out = Collection()
        grouped = self.groups(windows)
        try:
            with self.open_run(ctx) as run:

                def one(key: Hashable) -> Collection:
                    try:
                        return self.collect_group(key, grouped[key], run, ctx)
                    except Exception as exc:  # a bug or an outage must not take the other groups down
                        return Collection(outcomes=failed_outcomes(grouped[key], self.describe_failure(exc)))

                with ThreadPoolExecutor(max_workers=self.settings.max_workers) as pool:
                    for result in pool.map(one, list(grouped)):
                        out.extend(result)
        except SourceUnavailable as exc:
            out.outcomes = failed_outcomes(windows, str(exc))
        return out
