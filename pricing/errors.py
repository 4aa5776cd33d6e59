"""Errors the pricing engine raises. Each carries a one-line message fit for a CLI user."""

from __future__ import annotations


class PricingError(Exception):
    """Base class: the message is one line and says what to do."""


class UsageError(PricingError):
    """Bad usage input. ``key`` names the offending key (dotted for nested keys)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


class UnknownRegionError(PricingError):
    """A region no price sheet knows: never fall back silently to another region's prices."""

    def __init__(self, service: str, region: str, known: list[str]) -> None:
        known_text = ", ".join(sorted(known)) or "none"
        super().__init__(f"region: unknown region {region!r} for {service}; known regions: {known_text}")
        self.service = service
        self.region = region
        self.known = sorted(known)


class MissingPriceError(PricingError):
    """The region is known but the price book has no price for this item there."""


class SheetError(PricingError):
    """A price sheet or overrides file is malformed."""


class RefreshError(PricingError):
    """Refreshing prices from a cloud API failed (credentials, network, unexpected data)."""
