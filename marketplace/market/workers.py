"""The market's background workers of one process: the event indexer and the scheduler.

``flexmarket indexer`` and ``flexmarket scheduler`` run one each; ``flexmarket run`` runs both
as threads beside the web server. :func:`indexer_for` builds the indexer with every market
handler registered.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from marketplace.bridge.indexer import EventIndexer
from marketplace.market import sync
from marketplace.market.scheduler import Scheduler
from marketplace.market.services import MarketServices

log = logging.getLogger(__name__)


def indexer_for(services: MarketServices) -> EventIndexer:
    """An indexer of the deployed market with the market's handlers (a chain of its own)."""
    market = services.market()
    indexer = EventIndexer(services.database, market.chain, market.deployment,
                           rescan_blocks=services.settings.indexer_rescan_blocks)
    return sync.register(indexer)


@dataclass
class Workers:
    """The indexer thread and the scheduler of a process; :meth:`stop` ends both cleanly."""

    services: MarketServices
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    scheduler: Scheduler | None = None

    def start(self, *, indexer: bool = True, scheduler: bool = True) -> Workers:
        if indexer:
            worker = indexer_for(self.services)
            thread = threading.Thread(target=worker.run, args=(self.stop_event,),
                                      kwargs={"interval_s": self.services.settings.indexer_interval_s},
                                      name="event-indexer", daemon=True)
            thread.start()
            self.threads.append(thread)
        if scheduler:
            self.scheduler = Scheduler(self.services)
            self.scheduler.start()
        return self

    def stop(self, timeout_s: int = 10) -> None:
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        for thread in self.threads:
            thread.join(timeout_s)
