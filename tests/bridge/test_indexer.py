"""The indexer: every market event once, across restarts, failing handlers and reorganisations."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.bridge.indexer import EventIndexer
from marketplace.chain.client import Chain
from marketplace.models.chain import ChainEvent
from tests.helpers import EUR, open_request

pytestmark = pytest.mark.anvil


def _activity(market, accounts, n: int, ref: int = 1000) -> None:
    """``n`` requests created and cancelled: 2 events each, in 2 transactions each."""
    for i in range(n):
        req = open_request(market, accounts.dso, ref=ref + i)
        market.cancel_request(accounts.dso, req.id, req.terms)


def _chain_logs(market, from_block: int) -> Counter:
    logs = market.chain.w3.eth.get_logs({"fromBlock": from_block, "toBlock": "latest", "address": market.market.address})
    return Counter(("0x" + bytes(log["transactionHash"]).hex(), int(log["logIndex"])) for log in logs)


def _stored(database) -> Counter:
    with database.new_session(writes=False) as s:
        return Counter(tuple(row) for row in s.execute(select(ChainEvent.tx_hash, ChainEvent.log_index)).all())


class Recorder:
    def __init__(self):
        self.calls = Counter()
        self.fail = False

    def __call__(self, session, event):
        if self.fail:
            raise RuntimeError("handler down")
        self.calls[(event.tx_hash, event.log_index)] += 1


def _indexer(database, market, **kw) -> EventIndexer:
    chain = Chain.connect(market.chain.w3.provider.endpoint_uri)  # a process of its own
    return EventIndexer(database, chain, market.deployment, **kw)


def test_every_event_is_stored_once_with_decoded_arguments(database, anvil_market, accounts):
    start = anvil_market.chain.block_number()
    _activity(anvil_market, accounts, 3)
    indexer = _indexer(database, anvil_market)
    first = indexer.poll()
    assert first.added == sum(_chain_logs(anvil_market, anvil_market.deployment.block).values())
    assert indexer.poll().added == 0
    with database.new_session(writes=False) as s:
        created = s.scalars(select(ChainEvent).where(ChainEvent.event == "RequestCreated",
                                                     ChainEvent.block_number > start)).all()
        assert len(created) == 3
        args = created[0].args
        assert args["dso"] == accounts.dso.address and args["escrow"] == 20 * EUR
        assert args["request"]["quantityWh"] == 100_000 and args["location"].startswith("0x")


def test_indexer_restart_mid_stream_loses_and_duplicates_nothing(database, anvil_market, accounts):
    recorder = Recorder()
    _activity(anvil_market, accounts, 2)
    middle = anvil_market.chain.block_number()
    _activity(anvil_market, accounts, 2)
    first = _indexer(database, anvil_market, rescan_blocks=3)
    first.on("RequestCreated", recorder)
    first.on("RequestCancelled", recorder)
    first.poll(to_block=middle)  # then the process stops
    _activity(anvil_market, accounts, 1)
    second = _indexer(database, anvil_market, rescan_blocks=3)  # a new process, same cursor
    second.on("RequestCreated", recorder)
    second.on("RequestCancelled", recorder)
    second.poll()
    on_chain = _chain_logs(anvil_market, anvil_market.deployment.block)
    assert _stored(database) == on_chain  # each exactly once
    ours = {k for k in on_chain}
    with database.new_session(writes=False) as s:
        handled = s.execute(select(ChainEvent.tx_hash, ChainEvent.log_index, ChainEvent.event)).all()
    expected = {(t, i) for t, i, e in handled if e in ("RequestCreated", "RequestCancelled")}
    assert set(recorder.calls) == expected and set(recorder.calls.values()) == {1}
    assert expected <= ours


def test_a_failing_handler_rolls_back_its_chunk_and_the_next_poll_retries(database, anvil_market, accounts):
    recorder = Recorder()
    _activity(anvil_market, accounts, 2)
    indexer = _indexer(database, anvil_market)
    indexer.on("RequestCancelled", recorder)
    recorder.fail = True
    cursor_before = indexer.cursor()
    with pytest.raises(RuntimeError):
        indexer.poll()
    assert indexer.cursor() == cursor_before and sum(_stored(database).values()) == 0
    recorder.fail = False
    indexer.poll()
    assert sorted(recorder.calls.values()) == [1, 1]
    assert _stored(database) == _chain_logs(anvil_market, anvil_market.deployment.block)


def test_a_reorganisation_within_the_rescan_window_replaces_the_vanished_events(database, anvil_market, accounts):
    chain = anvil_market.chain
    indexer = _indexer(database, anvil_market, rescan_blocks=20)
    indexer.poll()
    fork_point = chain.snapshot()
    _activity(anvil_market, accounts, 1)  # these blocks will be reorganised away
    indexer.poll()
    vanished = _stored(database)
    chain.revert(fork_point)
    # the same heights, other blocks (other requests: identical transactions at identical
    # timestamps would rebuild identical blocks, which is no reorganisation)
    _activity(anvil_market, accounts, 2, ref=2000)
    result = indexer.poll()
    assert result.dropped >= 1
    assert _stored(database) == _chain_logs(anvil_market, anvil_market.deployment.block)
    with database.new_session(writes=False) as s:
        assert s.scalar(select(func.count()).select_from(ChainEvent)) == sum(_stored(database).values())
    assert set(vanished) - set(_stored(database))
