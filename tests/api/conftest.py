"""API test fixtures: each test runs once on SQLite and once on PostgreSQL.

The schema comes from the migrations. A world of participants and objects is built once per
backend and committed; each test then runs inside a transaction on one connection that is
rolled back at the end (the app's sessions commit to savepoints within it). The chain is
the embedded test chain, reached lazily: only tests that touch the chain pay for its
snapshot and revert.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from marketplace import db
from marketplace.app import create_app
from marketplace.chain.node import free_port
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.settings import Settings
from tests.api import world as world_module
from tests.api.world import Actor, World

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, request, tmp_path_factory) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite-db') / 'flexmarket.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database("flexmarket_api_tests")
    db.upgrade(url)
    return url


@pytest.fixture(scope="session")
def instance_path(backend, tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp(f"instance-{backend}")


@pytest.fixture(scope="session")
def engine(database_url):
    engine = db.make_engine(database_url, for_writes=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def world(engine, accounts, instance_path) -> World:
    with engine.connect() as conn, conn.begin():
        with Session(bind=conn, expire_on_commit=False) as s:
            built = world_module.build(s, accounts, instance_path / "documents")
            s.flush()
    return built


@pytest.fixture
def connection(engine, world):
    """One connection in an outer transaction, rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


class FixtureGateway(ChainGateway):
    """The embedded test market, fetched (with its per-test snapshot) on first use."""

    def __init__(self, settings: Settings, request: pytest.FixtureRequest, operator) -> None:
        super().__init__(settings, operator=operator)
        self._request = request
        self.used = False

    def market(self):
        if self._market is None:
            self._market = self._request.getfixturevalue("market")
            self.used = True
        return self._market


@pytest.fixture
def settings(instance_path, database_url) -> Settings:
    return Settings(instance_path=instance_path, database_url=database_url,
                    rpc_url=f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def app(settings, connection, request, accounts):
    gateway = FixtureGateway(settings, request, accounts.operator)
    return create_app(
        test_config={"TESTING": True, "FLEX_DATABASE": db.Database(settings.effective_database_url, connection=connection),
                     "FLEX_CHAIN_GATEWAY": gateway},
        settings=settings,
    )


class Caller:
    """Requests as one actor: its session cookie and CSRF token, or its bearer token."""

    def __init__(self, app, actor: Actor, *, csrf: bool = True) -> None:
        self.client = app.test_client()
        self.actor = actor
        self.csrf = csrf
        if actor.token:
            self.client.set_cookie("flexmarket_session", actor.token)

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if self.actor.bearer:
            headers.setdefault("Authorization", f"Bearer {self.actor.bearer}")
        if self.csrf and self.actor.csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", self.actor.csrf)
        return self.client.open(path, method=method, headers=headers, buffered=True, **kwargs)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(app, world):
    """``api("fsp")`` → a :class:`Caller` acting as that world actor."""

    def caller(name: str, **kw) -> Caller:
        return Caller(app, world.actors[name], **kw)

    return caller
