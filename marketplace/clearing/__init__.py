"""FlexMarket's clearing engine: pure functions from an order book to a clearing result.

No web, database or chain code here: the engine reads a JSON-shaped book (documented in
``docs/clearing-format.md``) and returns a ``ClearingResult``, so anyone can re-run a
clearing and check the market operator. Integers only: energy in Wh, prices in token
base units per MWh (1 EUR = 1,000,000 base units), availability prices in base units
per MW per hour, times in Unix seconds on 15-minute boundaries.

One module per rule: ``book`` (input), ``voids``, ``traffic_light``, ``eligibility``,
``merit_order``, ``long_term`` (availability ranking, long-term cap), ``divisible``
(columnar merit-order fill), ``relaxation`` and ``selection`` (exact selection with
indivisible bids and minimums), ``solver`` (the HiGHS adapter), ``pricing``,
``result`` (output), ``engine`` (the chain), ``plot`` and ``cli``.
"""

from marketplace.clearing.engine import DEFAULT_TIME_LIMIT_S, clear_book
from marketplace.clearing.errors import ClearingError, InvalidBook, NoMarket
from marketplace.clearing.result import ClearingResult

__all__ = ["DEFAULT_TIME_LIMIT_S", "ClearingError", "ClearingResult", "InvalidBook", "NoMarket", "clear_book"]
