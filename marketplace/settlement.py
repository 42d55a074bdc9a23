"""Payment arithmetic: the one Python home of FlexMarket's money-from-energy rule.

payment = floor(price_per_mwh x energy_wh / 1,000,000) — prices in token base units per MWh
(1 EUR = 1,000,000 base units), energy in Wh. The settlement split of an agreement follows
the ARCHITECTURE settlement rules. The contracts' ``FlexMath`` library computes exactly the
same numbers; the test suite holds the two to each other. Clearing, the oracle's verdicts
and statements all call this module; none repeats the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Wh per MWh (prices are per MWh, quantities in Wh).
WH_PER_MWH = 1_000_000
#: Default share of the ordered energy that counts as a successful delivery, percent.
DEFAULT_SUCCESS_THRESHOLD_PCT = 80
#: Default penalty factor below the threshold, percent of price x shortfall.
DEFAULT_PENALTY_PCT = 10


def payment(price_per_mwh: int, energy_wh: int) -> int:
    """Token base units for ``energy_wh`` Wh at ``price_per_mwh`` base units/MWh, rounded down.

    Both arguments are non-negative integers; anything else is a programming error.
    """
    if not isinstance(price_per_mwh, int) or not isinstance(energy_wh, int):
        raise TypeError("price and energy must be integers (base units per MWh, Wh)")
    if price_per_mwh < 0 or energy_wh < 0:
        raise ValueError("price and energy must not be negative")
    return price_per_mwh * energy_wh // WH_PER_MWH


def is_success(ordered_wh: int, delivered_wh: int, success_threshold_pct: int) -> bool:
    """Whether ``delivered_wh`` reaches ``success_threshold_pct`` percent of ``ordered_wh``."""
    return delivered_wh * 100 >= ordered_wh * success_threshold_pct


def penalty(price_per_mwh: int, shortfall_wh: int, penalty_pct: int, guarantee: int) -> int:
    """floor(penalty_pct x price x shortfall / 1e8), capped at ``guarantee`` (base units)."""
    return min(penalty_pct * price_per_mwh * shortfall_wh // (100 * WH_PER_MWH), guarantee)


@dataclass(frozen=True)
class SettlementSplit:
    """Where an agreement's money goes, in token base units.

    ``payment`` to the FSP; ``refund`` of the agreement's amount back to the DSO; ``penalty``
    from the FSP's guarantee to the DSO. ``amount`` = payment + refund (the escrowed part).
    """

    success: bool
    amount: int
    payment: int
    penalty: int
    refund: int


def settle(
    price_per_mwh: int,
    ordered_wh: int,
    delivered_wh: int,
    success_threshold_pct: int = DEFAULT_SUCCESS_THRESHOLD_PCT,
    penalty_pct: int = DEFAULT_PENALTY_PCT,
    guarantee: int = 0,
) -> SettlementSplit:
    """The settlement split of one agreement for an attested ``delivered_wh``.

    On success (delivered >= threshold) the FSP is paid for min(delivered, ordered), no more;
    below it the FSP gets nothing and pays the penalty, capped at its guarantee.
    """
    for name, value in (("threshold", success_threshold_pct), ("penalty", penalty_pct)):
        if not 0 <= value <= 100:
            raise ValueError(f"{name} percentage must be within 0..100, got {value}")
    if ordered_wh <= 0 or delivered_wh < 0:
        raise ValueError("ordered energy must be positive and delivered energy not negative")
    amount = payment(price_per_mwh, ordered_wh)
    if is_success(ordered_wh, delivered_wh, success_threshold_pct):
        paid = payment(price_per_mwh, min(delivered_wh, ordered_wh))
        return SettlementSplit(True, amount, paid, 0, amount - paid)
    fine = penalty(price_per_mwh, ordered_wh - delivered_wh, penalty_pct, guarantee)
    return SettlementSplit(False, amount, 0, fine, amount)
