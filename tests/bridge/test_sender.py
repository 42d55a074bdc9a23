"""The durable sender: one transaction per effect, across retries, crashes and node restarts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.bridge.sender import TransactionFailed, TransactionSender
from marketplace.chain import errors
from marketplace.chain.client import Chain
from marketplace.chain.market import MarketClient
from marketplace.chain.node import AnvilNode
from marketplace.models.chain import ChainTransaction, TxStatus
from tests.helpers import EUR

pytestmark = pytest.mark.anvil


def _transfer(market: MarketClient, to: str, amount: int = EUR):
    return market.token.functions.transfer(to, amount)


def _nonce(chain: Chain, address: str) -> int:
    return int(chain.w3.eth.get_transaction_count(address, "latest"))


def test_same_key_sends_once(database, anvil_market, accounts):
    sender = TransactionSender(database, anvil_market.chain)
    payer, payee = accounts.dso, accounts.stranger.address
    before, start = anvil_market.balance_of(payee), _nonce(anvil_market.chain, payer.address)
    first = sender.submit("pay:stranger:1", _transfer(anvil_market, payee), payer)
    again = sender.submit("pay:stranger:1", _transfer(anvil_market, payee), payer)
    assert first == again and first.status is TxStatus.MINED and first.gas_used > 21_000
    assert anvil_market.balance_of(payee) == before + EUR
    assert _nonce(anvil_market.chain, payer.address) == start + 1


def test_a_transaction_that_would_revert_raises_its_error_and_records_nothing(database, anvil_market, accounts):
    sender = TransactionSender(database, anvil_market.chain)
    with pytest.raises(errors.FlexMarketNothingToWithdraw):
        sender.submit("withdraw:stranger", anvil_market.market.functions.withdraw(), accounts.stranger)
    assert sender.find("withdraw:stranger") is None


def test_a_revert_on_chain_is_recorded_failed_and_never_resent(database, anvil_market, accounts):
    sender = TransactionSender(database, anvil_market.chain)
    fn = anvil_market.market.functions.withdraw()
    with pytest.raises(TransactionFailed) as info:
        sender.submit("withdraw:stranger", fn, accounts.stranger, gas=100_000)  # no estimate: sent anyway
    assert isinstance(info.value.revert, errors.FlexMarketNothingToWithdraw)
    record = sender.find("withdraw:stranger")
    assert record.status is TxStatus.FAILED and "FlexMarketNothingToWithdraw" in record.error
    start = _nonce(anvil_market.chain, accounts.stranger.address)
    with pytest.raises(TransactionFailed):
        sender.submit("withdraw:stranger", fn, accounts.stranger, gas=100_000)
    assert _nonce(anvil_market.chain, accounts.stranger.address) == start


def test_crash_after_signing_before_sending_resumes_with_the_same_transaction(database, anvil_market, accounts):
    chain = anvil_market.chain
    payer, payee = accounts.dso, accounts.stranger.address
    before = anvil_market.balance_of(payee)
    crashed = TransactionSender(database, chain)
    recorded = crashed._record("pay:crash-1", _transfer(anvil_market, payee), payer, "pay", 100_000)  # then "dies"
    (resumed,) = TransactionSender(database, Chain.connect(chain.w3.provider.endpoint_uri)).resume()
    assert resumed.tx_hash == recorded.tx_hash and resumed.status is TxStatus.MINED
    assert anvil_market.balance_of(payee) == before + EUR


def test_crash_between_send_and_receipt_neither_pays_twice_nor_loses_the_payment(database, anvil_market, accounts):
    chain = anvil_market.chain
    payer, payee = accounts.dso, accounts.stranger.address
    before, start = anvil_market.balance_of(payee), _nonce(chain, payer.address)
    crashed = TransactionSender(database, chain)
    sent = crashed.submit("pay:crash-2", _transfer(anvil_market, payee), payer, wait=False)
    assert sent.status is TxStatus.SENT
    fresh = TransactionSender(database, Chain.connect(chain.w3.provider.endpoint_uri))
    (resumed,) = fresh.resume()
    again = fresh.submit("pay:crash-2", _transfer(anvil_market, payee), payer)
    assert resumed.status is again.status is TxStatus.MINED and resumed.tx_hash == sent.tx_hash
    assert anvil_market.balance_of(payee) == before + EUR
    assert _nonce(chain, payer.address) == start + 1


def test_two_senders_share_one_nonce_manager(database, anvil_market, accounts):
    chain = anvil_market.chain
    payer, payee = accounts.dso, accounts.stranger.address
    before, start = anvil_market.balance_of(payee), _nonce(chain, payer.address)
    senders = [TransactionSender(database, Chain.connect(chain.w3.provider.endpoint_uri)) for _ in range(2)]
    records = [senders[i % 2].submit(f"pay:shared:{i}", _transfer(anvil_market, payee), payer) for i in range(6)]
    assert sorted(r.nonce for r in records) == list(range(start, start + 6))
    assert all(r.status is TxStatus.MINED for r in records)
    assert anvil_market.balance_of(payee) == before + 6 * EUR


def test_a_recorded_transaction_whose_nonce_was_used_elsewhere_is_dropped(database, anvil_market, accounts):
    chain = anvil_market.chain
    payer, payee = accounts.dso, accounts.stranger.address
    sender = TransactionSender(database, chain)
    orphan = sender._record("pay:orphan", _transfer(anvil_market, payee), payer, "pay", 100_000)
    other = Chain.connect(chain.w3.provider.endpoint_uri)  # knows nothing of the outbox
    other.transact(_transfer(anvil_market, payee, 2 * EUR), payer)  # takes the same nonce
    (resumed,) = sender.resume()
    assert resumed.status is TxStatus.DROPPED and resumed.nonce == orphan.nonce
    assert "nonce was used" in resumed.error


def test_a_node_restart_that_loses_the_pending_transaction_resends_it(database, tmp_path, accounts):
    state = tmp_path / "anvil-state.json"
    payer, payee = accounts.dso, accounts.stranger.address
    from marketplace.chain.deploy import deploy

    node = AnvilNode(state_path=state).start()
    try:
        chain = Chain.connect(node.url)
        market = MarketClient(chain, deploy(chain, accounts.operator))
        market.mint(accounts.operator, payer.address, 10 * EUR)
        chain.w3.provider.make_request("evm_setAutomine", [False])  # the transaction stays pending
        sent = TransactionSender(database, chain).submit("pay:restart", _transfer(market, payee), payer, wait=False)
    finally:
        node.stop()  # the pending transaction dies with the node; the mined state is saved
    node = AnvilNode(node.port, state_path=state).start()
    try:
        chain = Chain.connect(node.url)
        market = MarketClient(chain, market.deployment)
        assert market.balance_of(payee) == 0
        (resumed,) = TransactionSender(database, chain).resume()
        assert resumed.status is TxStatus.MINED and resumed.tx_hash == sent.tx_hash
        assert market.balance_of(payee) == EUR
        with database.new_session(writes=False) as s:
            assert s.scalar(select(ChainTransaction.send_attempts).where(ChainTransaction.key == "pay:restart")) == 2
    finally:
        node.stop()
