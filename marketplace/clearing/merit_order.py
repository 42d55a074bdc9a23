"""The common merit order list (seed 3.3.3.4): price ascending, then submission time, then id.

The order depends only on the bids' own fields, never on their position in the input,
so any permutation of a book clears to the same result.
"""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.clearing.model import Bid


def merit_key(price: int, bid: Bid) -> tuple[int, int, str]:
    """Sort key of a bid at ``price`` (its ranking price, base units per MWh or score)."""
    return (price, bid.submitted_at, bid.id)


def merit_order(bids: Sequence[Bid], prices: Sequence[int]) -> list[int]:
    """Indices of ``bids`` in merit order; ``prices[i]`` is bid i's ranking price."""
    return sorted(range(len(bids)), key=lambda i: merit_key(prices[i], bids[i]))
