"""Files that name a function without its account or region must not make a second resource of it silently.

A resource key is ``service:account:region:name``; a Logs Insights export without ``--region`` (or a
GetMetricData results file without ``--account``/``--region``) names ``lambda:111122223333::churn-scorer``,
which is not ``lambda:111122223333:us-east-1:churn-scorer`` already stored or dropped beside it. Before
anything is imported the Upload page shows each such resource with the resources it may be, and applies
:data:`MERGE_RULE`: the one candidate is taken unless the user keeps it apart; several are a question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from importers.uploads import FilePreview

MERGE_RULE = (
    "A resource a file names without its account or region is the same as the one resource of the same service "
    "and name whose account and region are known (in the other files dropped, or already in the database) and "
    "agree with what the file does say; it is imported into that one unless you keep it apart. With several such "
    "resources you choose."
)
KEEP_APART = ""  # the choice that imports the file as it reads


@dataclass(frozen=True)
class Clash:
    """One resource of one file that lacks its account or region, and the known resources it may be."""

    file: str
    resource_id: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """An account and region to give a file's resources that name neither (what ``--account``/``--region`` do)."""

    account: str
    region: str

    @property
    def label(self) -> str:
        return f"account {self.account}, region {self.region}"


def _parts(resource_id: str) -> tuple[str, str, str, str]:
    service, account, region, name = resource_id.split(":", 3)
    return service, account, region, name


def find_clashes(previews: list[FilePreview], known: Iterable[str]) -> list[Clash]:
    """Every resource a prepared file names without account or region that matches a fully known one."""
    full = {rid for rid in known if all(_parts(rid)[1:3])}
    for preview in previews:
        if preview.prepared is not None:
            full.update(r.resource_id for r in preview.prepared.resources if r.account and r.region)
    out = []
    for preview in previews:
        if preview.prepared is None:
            continue
        for r in preview.prepared.resources:
            if r.account and r.region:
                continue
            candidates = tuple(
                sorted(
                    rid
                    for rid in full
                    if _parts(rid)[0] == r.service
                    and _parts(rid)[3] == r.name
                    and (not r.account or _parts(rid)[1] == r.account)
                    and (not r.region or _parts(rid)[2] == r.region)
                )
            )
            if candidates:
                out.append(Clash(preview.file.name, r.resource_id, candidates))
    return out


def places_for(clashes: list[Clash], file: str) -> list[Place]:
    """The accounts and regions a file's clashing resources could take, in a stable order."""
    seen: dict[Place, None] = {}
    for clash in clashes:
        if clash.file == file:
            for rid in clash.candidates:
                _, account, region, _ = _parts(rid)
                seen[Place(account, region)] = None
    return list(seen)


def default_place(clashes: list[Clash], file: str) -> Place | None:
    """The rule's answer for a file: the one place its clashing resources can take, else None (ask)."""
    places = places_for(clashes, file)
    return places[0] if len(places) == 1 else None


def merged_into(preview: FilePreview, place: Place) -> list[tuple[str, str]]:
    """(as the file reads, as it will be imported) for every resource of the file that lacks its account or
    region: the place applies to all of them, as ``--account``/``--region`` would."""
    out = []
    for r in preview.prepared.resources if preview.prepared is not None else ():
        if r.account and r.region:
            continue
        out.append((r.resource_id, f"{r.service}:{r.account or place.account}:{r.region or place.region}:{r.name}"))
    return out
