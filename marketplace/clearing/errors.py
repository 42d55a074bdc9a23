"""Typed errors of the clearing engine (all under ``MarketplaceError``)."""

from __future__ import annotations

from marketplace.errors import MarketplaceError


class ClearingError(MarketplaceError):
    """Base of the clearing engine's errors."""

    code = "clearing_error"


class InvalidBook(ClearingError):
    """The order book is not a valid clearing input (structure, types or values).

    Raised for the auction and the demands, and for bids whose ``id`` cannot be read; any
    other problem of a single bid voids that bid instead (it is reported, not raised).
    ``details["path"]`` names the offending field, e.g. ``demands[0].intervals[2].start``.
    """

    code = "invalid_book"


class NoMarket(ClearingError):
    """The grid element's traffic light is green or red: no market is held (seed table 8)."""

    code = "no_market"
