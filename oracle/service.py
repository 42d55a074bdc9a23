"""The meter oracle inside ``flexmarket run``: the worker thread and, on the local dev market,
the simulated meters.

``flexmarket oracle run`` runs the worker alone (a production oracle runs it on its own
machine with its own key). ``flexmarket run`` starts it beside the web server with the
oracle key from the settings (the dev chain's oracle account when none is given), and — on
the local dev chain it started itself — grants that account the METER_ORACLE role when it
lacks it and starts :class:`oracle.feed.SimulatedMeterFeed`, so the market settles its own
deliveries end to end.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount

from marketplace.chain.client import Chain
from marketplace.chain.deploy import METER_ORACLE, Deployment
from marketplace.db import Database
from oracle.feed import SimulatedMeterFeed
from oracle.worker import OracleWorker

log = logging.getLogger(__name__)


def holds_oracle_role(chain: Chain, deployment: Deployment, address: str) -> bool:
    market = chain.contract("FlexMarket", deployment.market)
    return bool(chain.call(market.functions.hasRole(address, METER_ORACLE)))


@dataclass
class OracleThreads:
    """The oracle worker thread, and the simulated meter feed thread when ``simulate``."""

    database: Database
    rpc_url: str
    deployment: Deployment
    oracle: LocalAccount
    poll_latency_s: float = 0.02
    interval_s: float = 5.0
    simulate: bool = False
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> OracleThreads:
        worker_chain = Chain.connect(self.rpc_url, poll_latency=self.poll_latency_s)
        worker = OracleWorker(self.database, worker_chain, self.deployment, self.oracle)
        self._thread("meter-oracle", worker.run, self.stop_event, interval_s=self.interval_s)
        if self.simulate:
            feed_chain = Chain.connect(self.rpc_url, poll_latency=self.poll_latency_s)
            feed = SimulatedMeterFeed(self.database)
            self._thread("simulated-meters", feed.run, self.stop_event, feed_chain.timestamp, interval_s=self.interval_s)
        return self

    def _thread(self, name: str, target, *args, **kwargs) -> None:
        thread = threading.Thread(target=target, args=args, kwargs=kwargs, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self, timeout_s: float = 10) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout_s)
