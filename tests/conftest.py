"""Shared fixtures: chains (embedded and a real anvil node), accounts, a deployed market."""

from __future__ import annotations

import pytest

from marketplace.chain import devkeys
from marketplace.chain.client import Chain
from marketplace.chain.deploy import DSO, FSP, METER_ORACLE, deploy
from marketplace.chain.market import MarketClient
from marketplace.chain.node import AnvilNode
from tests.helpers import EUR, Accounts


@pytest.fixture(scope="session")
def accounts() -> Accounts:
    """Named dev-chain accounts (local-dev test keys)."""
    a = devkeys.dev_accounts()
    return Accounts(
        operator=a[0], dso=a[1], dso2=a[2], oracle=a[3], oracle2=a[4], stranger=a[5], fsps=a[6:12]
    )


def _setup_market(chain: Chain, accounts: Accounts) -> MarketClient:
    client = MarketClient(chain, deploy(chain, accounts.operator))
    op = accounts.operator
    for dso in (accounts.dso, accounts.dso2):
        client.grant_role(op, dso.address, DSO)
        client.mint(op, dso.address, 1_000_000 * EUR)
        client.approve(dso, 2**255)
    for oracle in (accounts.oracle, accounts.oracle2):
        client.grant_role(op, oracle.address, METER_ORACLE)
    for fsp in accounts.fsps:
        client.grant_role(op, fsp.address, FSP)
        client.mint(op, fsp.address, 10_000 * EUR)
        client.approve(fsp, 2**255)
    return client


@pytest.fixture(scope="session")
def embedded_market(accounts) -> MarketClient:
    """One embedded chain with a deployed, populated market for the whole session."""
    return _setup_market(Chain.embedded(), accounts)


@pytest.fixture
def market(embedded_market) -> MarketClient:
    """The embedded market, reset to its freshly populated state after each test."""
    snap = embedded_market.chain.snapshot()
    yield embedded_market
    embedded_market.chain.revert(snap)


@pytest.fixture
def chain(market) -> Chain:
    return market.chain


@pytest.fixture(scope="session")
def anvil_node():
    """A real anvil node on a free loopback port for the session."""
    with AnvilNode() as node:
        yield node


@pytest.fixture(scope="session")
def anvil_session_market(anvil_node, accounts) -> MarketClient:
    return _setup_market(Chain.connect(anvil_node.url, poll_latency=0.005), accounts)


@pytest.fixture
def anvil_market(anvil_session_market) -> MarketClient:
    """The anvil market, reset after each test."""
    snap = anvil_session_market.chain.snapshot()
    yield anvil_session_market
    anvil_session_market.chain.revert(snap)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on a free loopback port, in a temp folder, for the session.

    Fails (does not skip) when PostgreSQL is not installed: ``make test`` installs it, and the
    database tests must really run on it.
    """
    from tests.pgserver import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()
