"""The event indexer: the market contract's logs into the database, once each.

Each :meth:`EventIndexer.poll` reads the logs from just after the cursor — minus
``rescan_blocks``, to notice reorganisations — up to ``confirmations`` blocks below the head,
and in one database transaction per chunk: inserts each new log (unique per chain, tx hash
and log index), runs the handlers registered for its event name, drops logs a
reorganisation removed, and moves the cursor. A handler that fails rolls the chunk back and
the next poll tries again; a restart anywhere loses and duplicates nothing.

Handlers are ``handler(session, event)`` with a :class:`~marketplace.models.chain.ChainEvent`;
they must only write the database (the chunk's transaction is theirs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.chain.client import Chain
from marketplace.chain.deploy import Deployment
from marketplace.db import Database
from marketplace.models.base import now_s
from marketplace.models.chain import ChainCursor, ChainEvent

log = logging.getLogger(__name__)

Handler = Callable[[Session, ChainEvent], None]


@dataclass(frozen=True)
class PollResult:
    """What one poll did: the blocks it covered and the events it added or dropped."""

    from_block: int
    to_block: int
    added: int = 0
    dropped: int = 0


def plain(value: Any) -> Any:
    """An event argument as JSON: bytes as 0x-hex, structs as objects, lists as lists."""
    if isinstance(value, (bytes, bytearray, HexBytes)):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass
class EventIndexer:
    """Indexes the FlexMarket contract of ``deployment`` on ``chain`` into ``database``.

    ``name`` identifies the cursor (default: per chain and contract address, so a fresh
    deployment starts its own); a new cursor begins at the deployment's block.
    """

    database: Database
    chain: Chain
    deployment: Deployment
    name: str = ""
    confirmations: int = 0
    rescan_blocks: int = 12
    chunk_blocks: int = 2_000
    handlers: dict[str, list[Handler]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or f"flexmarket:{self.deployment.chain_id}:{self.deployment.market}"
        self.market = self.chain.contract("FlexMarket", self.deployment.market)
        self._events = {
            event_abi_to_log_topic(item): item["name"] for item in self.market.abi if item["type"] == "event"
        }

    def on(self, event: str, handler: Handler) -> None:
        """Run ``handler`` for every new ``event`` (by Solidity event name)."""
        if event not in {i["name"] for i in self.market.abi if i["type"] == "event"}:
            raise ValueError(f"FlexMarket has no event {event!r}")
        self.handlers.setdefault(event, []).append(handler)

    # ------------------------------------------------------------------ polling
    def cursor(self) -> int:
        """The last block fully processed (the deployment's block minus one when new)."""
        with self.database.new_session(writes=False) as s:
            row = s.get(ChainCursor, self.name)
            return row.block if row is not None else self.deployment.block - 1

    def poll(self, *, to_block: int | None = None) -> PollResult:
        """Process every block the cursor has not covered, up to the confirmed head
        (or ``to_block`` if lower); returns what changed."""
        head = self.chain.block_number() - self.confirmations
        if to_block is not None:
            head = min(head, to_block)
        done = self.cursor()
        start = max(done + 1 - self.rescan_blocks, self.deployment.block)
        if head < done + 1:
            return PollResult(start, done)
        added = dropped = 0
        for lo in range(start, head + 1, self.chunk_blocks):
            hi = min(lo + self.chunk_blocks - 1, head)
            a, d = self._process(lo, hi)
            added, dropped = added + a, dropped + d
        return PollResult(start, head, added, dropped)

    def run(self, stop: threading.Event, *, interval_s: float = 1.0) -> None:
        """Poll until ``stop`` is set; errors are logged and retried on the next round."""
        while not stop.is_set():
            try:
                self.poll()
            except Exception:  # a bad round must not end the indexer; the next one retries
                log.exception("event indexer %s: poll failed; retrying", self.name)
            stop.wait(interval_s)

    def _logs(self, lo: int, hi: int) -> list[dict]:
        logs = self.chain.w3.eth.get_logs({"fromBlock": lo, "toBlock": hi, "address": self.market.address})
        out = []
        for entry in logs:
            topics = entry["topics"]
            name = self._events.get(bytes(topics[0])) if topics else None
            if name is None:
                continue
            decoded = self.market.events[name]().process_log(entry)
            out.append(
                {
                    "event": name,
                    "block_number": int(entry["blockNumber"]),
                    "block_hash": "0x" + bytes(entry["blockHash"]).hex(),
                    "tx_hash": "0x" + bytes(entry["transactionHash"]).hex(),
                    "log_index": int(entry["logIndex"]),
                    "args": plain(dict(decoded["args"])),
                }
            )
        return out

    def _process(self, lo: int, hi: int) -> tuple[int, int]:
        fetched = self._logs(lo, hi)
        chain_id = self.chain.chain_id
        with self.database.transaction() as s:
            known = {
                (e.tx_hash, e.log_index): e
                for e in s.scalars(
                    select(ChainEvent).where(
                        ChainEvent.chain_id == chain_id,
                        ChainEvent.address == self.market.address,
                        ChainEvent.block_number.between(lo, hi),
                    )
                )
            }
            seen = set()
            added = 0
            for item in fetched:
                ident = (item["tx_hash"], item["log_index"])
                seen.add(ident)
                row = known.get(ident)
                if row is not None:
                    if row.block_hash != item["block_hash"]:  # re-mined in another block
                        row.block_hash, row.block_number = item["block_hash"], item["block_number"]
                    continue
                if s.scalar(select(ChainEvent.id).where(ChainEvent.chain_id == chain_id,
                                                        ChainEvent.tx_hash == item["tx_hash"],
                                                        ChainEvent.log_index == item["log_index"])):
                    continue  # stored under an older block number (reorganised); already handled
                row = ChainEvent(chain_id=chain_id, address=self.market.address, handled=False, **item)
                s.add(row)
                s.flush()
                for handler in self.handlers.get(row.event, []):
                    handler(s, row)
                row.handled = True
                added += 1
            stale = [e.id for ident, e in known.items() if ident not in seen]
            if stale:
                log.warning("event indexer %s: %d logs in blocks %d..%d vanished (reorganisation)",
                            self.name, len(stale), lo, hi)
                s.execute(delete(ChainEvent).where(ChainEvent.id.in_(stale)))
            cursor = s.get(ChainCursor, self.name)
            if cursor is None:
                cursor = ChainCursor(name=self.name, chain_id=chain_id, contract=to_checksum_address(self.market.address),
                                     block=hi)
                s.add(cursor)
            elif hi > cursor.block:
                cursor.block = hi
            cursor.updated_at = now_s()
        return added, len(stale)
