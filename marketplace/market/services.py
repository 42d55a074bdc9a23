"""What the market's chain-touching operations need: the database, the chain, a clock.

One :class:`MarketServices` per process (the Flask app keeps one in
``app.extensions["flexmarket.market"]``; the scheduler, the indexer and the command line build
their own). The operator's transactions all go through one :class:`TransactionSender` on the
database, the nonce manager of every process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from marketplace.bridge.sender import TransactionSender
from marketplace.chain.market import MarketClient
from marketplace.db import Database
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.models.base import now_s
from marketplace.settings import Settings


class WallClock:
    """The system clock, Unix s."""

    def now(self) -> int:
        return now_s()


class ChainClock:
    """The latest block's timestamp: the market follows a dev chain whose time is moved by hand."""

    def __init__(self, gateway: ChainGateway) -> None:
        self.gateway = gateway

    def now(self) -> int:
        return self.gateway.market().chain.timestamp()


class FixedClock:
    """A clock set by hand (tests)."""

    def __init__(self, now: int) -> None:
        self.value = now

    def now(self) -> int:
        return self.value


@dataclass
class MarketServices:
    """Database, chain gateway, clock and settings of one process."""

    database: Database
    gateway: ChainGateway
    settings: Settings
    clock: object = None
    _sender: TransactionSender | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = ChainClock(self.gateway) if self.settings.clock == "chain" else WallClock()

    def now(self) -> int:
        """The market's time, Unix s."""
        return self.clock.now()

    def market(self) -> MarketClient:
        return self.gateway.market()

    def sender(self) -> TransactionSender:
        """The durable sender on this database and the market's chain."""
        with self._lock:
            chain = self.gateway.market().chain
            if self._sender is None or self._sender.chain is not chain:
                self._sender = TransactionSender(self.database, chain)
            return self._sender

    @classmethod
    def from_settings(cls, settings: Settings) -> MarketServices:
        return cls(Database(settings.effective_database_url), ChainGateway(settings), settings)
