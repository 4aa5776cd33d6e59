"""vCPUs of the Compute Engine machine types Vertex AI prediction nodes run on."""

from __future__ import annotations

import re

from collectors.gcp.constants import ACCELERATOR_MACHINE_VCPUS, NAMED_VCPU_FAMILIES

_NAMED = re.compile(r"^(?P<family>[a-z0-9]+)-(?:standard|highmem|highcpu)-(?P<vcpus>\d+)$")


def machine_vcpus(machine_type: str | None) -> float | None:
    """vCPUs of ``machine_type``, or None when this module does not know the type (never a guess).

    ``<family>-standard|highmem|highcpu-<N>`` types of the listed families have N vCPUs; a few
    accelerator-optimised types are listed by name.
    """
    if not machine_type:
        return None
    machine_type = machine_type.strip().lower()
    if machine_type in ACCELERATOR_MACHINE_VCPUS:
        return float(ACCELERATOR_MACHINE_VCPUS[machine_type])
    match = _NAMED.match(machine_type)
    if match and match["family"] in NAMED_VCPU_FAMILIES:
        return float(match["vcpus"])
    return None
