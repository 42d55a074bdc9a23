"""Reverts become the same named exception on the embedded chain and on anvil."""

from __future__ import annotations

import pytest

from marketplace.chain import errors
from marketplace.chain.client import Chain
from marketplace.chain.errors import ChainUnavailable, ContractRevert, from_data
from tests.helpers import EUR


def _revert_on(market, accounts):
    with pytest.raises(errors.FlexMarketNothingToWithdraw) as info:
        market.withdraw(accounts.stranger)
    return info.value


@pytest.mark.anvil
def test_the_same_revert_decodes_identically_on_both_chains(market, anvil_market, accounts):
    embedded = _revert_on(market, accounts)
    real = _revert_on(anvil_market, accounts)
    assert type(embedded) is type(real) is errors.FlexMarketNothingToWithdraw
    assert embedded.fields == real.fields == {"account": accounts.stranger.address}
    assert embedded.data == real.data and embedded.data[:4].hex() == embedded.data.hex()[:8]


@pytest.mark.anvil
def test_token_errors_bubbling_through_the_market_are_named(anvil_market, accounts):
    with pytest.raises(errors.ERC20InsufficientBalance) as info:
        anvil_market.chain.transact(anvil_market.token.functions.transfer(accounts.dso.address, 10**30), accounts.stranger)
    assert info.value.fields == {"sender": accounts.stranger.address, "balance": 0, "needed": 10**30}


def test_revert_carries_code_message_and_details(market, accounts):
    error = _revert_on(market, accounts)
    assert isinstance(error, ContractRevert) and error.code == "contract_revert"
    assert error.message == f"FlexMarketNothingToWithdraw(account={accounts.stranger.address})"
    assert error.details == {"error": "FlexMarketNothingToWithdraw", "account": accounts.stranger.address}


def test_unknown_and_standard_revert_data_decode_safely():
    assert isinstance(from_data(b"\xde\xad\xbe\xef"), errors.UnknownRevert)
    assert isinstance(from_data(b""), errors.UnknownRevert)
    panic = from_data(bytes.fromhex("4e487b71" + "11".rjust(64, "0")))
    assert isinstance(panic, errors.Panic) and panic.fields == {"code": 0x11}
    # A known selector followed by garbage keeps the raw data rather than failing.
    assert isinstance(from_data(bytes.fromhex("4e487b71") + b"\x01"), errors.UnknownRevert)


def test_error_classes_are_looked_up_by_name():
    assert errors.error_class("FlexMarketPriceAboveCap").arg_names == ("requestId", "price", "cap")
    with pytest.raises(KeyError):
        errors.error_class("NoSuchError")


def test_connecting_where_no_node_listens_is_a_clear_error():
    with pytest.raises(ChainUnavailable) as info:
        Chain.connect("http://127.0.0.1:9", timeout=0.5)
    assert "no chain node answers at http://127.0.0.1:9" in info.value.message


def test_nonces_stay_in_step_across_many_sends(market, accounts):
    start = market.balance_of(accounts.dso2.address)
    for _ in range(5):
        market.chain.transact(market.token.functions.transfer(accounts.dso2.address, EUR), accounts.dso)
    assert market.balance_of(accounts.dso2.address) == start + 5 * EUR
