"""Market tests: the API on a real anvil node, on SQLite and on PostgreSQL.

Per test module and backend: a fresh migrated database, a world of participants (operator,
two DSOs, three FSPs, a meter oracle) whose wallets hold their roles on the session's anvil
chain, a grid and prequalified assets in bidding units; the chain is snapshotted when the
module starts and reverted when it ends, and the market's clock is the chain's time (tests
move it with ``chain.travel``). Tests of a module share the database and the chain, so each
creates its own sessions and requests.

Signatures are made here with eth-account from type definitions written in tests/helpers.py —
never by the code under test.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from marketplace import db
from marketplace.app import create_app
from marketplace.bridge.indexer import EventIndexer
from marketplace.chain.client import Chain
from marketplace.chain.node import free_port
from marketplace.domain import assets as asset_domain
from marketplace.domain import auth, grid
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.domain.principal import Principal
from marketplace.market import sync
from marketplace.market.services import ChainClock, MarketServices
from marketplace.models import Prequalification, User
from marketplace.models.base import now_s
from marketplace.models.enums import Direction, PrequalificationPath, PrequalificationStatus, Product
from marketplace.schemas.assets import AssetIn, BiddingUnitIn
from marketplace.schemas.grid import GridElementIn, TrafficLightIn
from marketplace.settings import Settings
from tests.api import payloads
from tests.api.world import _register

pytestmark = pytest.mark.anvil
_names = itertools.count()
V = "/api/v1"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def market_db_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('market') / 'market.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(f"flexmarket_market_{next(_names)}")
    db.upgrade(url)
    return url


@pytest.fixture(scope="module")
def chain_market(anvil_session_market, market_db_url):
    """The session's anvil market, reverted to its state before the module (per backend)."""
    snap = anvil_session_market.chain.snapshot()
    yield anvil_session_market
    anvil_session_market.chain.revert(snap)


@dataclass
class MWorld:
    """Who is who and which objects exist: ids by name, each actor's session and wallet."""

    ids: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def _v(model, body: dict):
    return model.model_validate_json(json.dumps(body), strict=True)


def _principal(user: User) -> Principal:
    return Principal(user=user, participant=user.participant, grant=user.grant)


def build_world(s: Session, accounts) -> MWorld:
    from marketplace.domain import participants

    w = MWorld()
    op_user = participants.ensure_operator(s, accounts.operator.address, name="Market operator")
    users = {"operator": op_user}
    plan = {"dso": (accounts.dso, "dso", "Distribuidora Uno"), "dso2": (accounts.dso2, "dso", "Distribuidora Dos"),
            "fsp_a": (accounts.fsps[0], "fsp", "Agregador A"), "fsp_b": (accounts.fsps[1], "fsp", "CPO B"),
            "fsp_c": (accounts.fsps[2], "fsp", "Comunidad C"), "oracle": (accounts.oracle, "meter_oracle", "Oracle")}
    for name, (account, role, label) in plan.items():
        users[name] = _register(s, account, role, label, fsp_kind="aggregator" if role == "fsp" else None)
        w.accounts[name] = account
    w.accounts["operator"] = accounts.operator
    s.flush()
    for name, user in users.items():
        user.wallet_bound_at = user.chain_role_granted_at = now_s()
        w.ids[name] = user.participant_id
        w.ids[f"{name}_user"] = user.id
        issued = auth.start_session(s, user, 7 * 24 * 3600)
        w.tokens[name] = (issued.token, issued.csrf_token)
    dso = _principal(users["dso"])
    parent = None
    for kind, code in (("hv_mv_substation", "SS-1"), ("mv_feeder", "MV-11"), ("mv_lv_substation", "TR-19"),
                       ("lv_feeder", "LV-191")):
        parent = grid.create_element(s, dso, _v(GridElementIn, {"kind": kind, "code": code, "name": code,
                                                                "parent_id": parent})).id
        w.ids[kind] = parent
    w.ids["zone"] = grid.create_zone(s, dso, _v(__import__("marketplace.schemas.grid", fromlist=["ZoneIn"]).ZoneIn,
                                                {"name": "Zona Centro", "province": "Madrid",
                                                 "postal_codes": ["28012"]})).id
    grid.set_traffic_light(s, dso, w["mv_lv_substation"], _v(TrafficLightIn, {"state": "orange",
                                                                               "valid_from": 1_600_000_000}))
    # each FSP: two batteries of 400 kW on the LV feeder, each alone in a bidding unit, prequalified
    for fsp in ("fsp_a", "fsp_b", "fsp_c"):
        p = _principal(users[fsp])
        for k in range(2):
            body = payloads.asset(w["lv_feeder"], name=f"{fsp} battery {k}", postal_code="28012",
                                  metering_point_id=f"ES-{fsp}-{k}", installed_generation_w=500_000,
                                  installed_consumption_w=500_000, active_import_w=400_000, active_export_w=400_000)
            ((asset_id, error),) = asset_domain.register(s, p, [_v(AssetIn, body)])
            assert error is None, error
            w.ids[f"{fsp}_asset{k}"] = asset_id
            w.ids[f"{fsp}_unit{k}"] = asset_domain.create_bidding_unit(
                s, p, BiddingUnitIn(name=f"{fsp} unit {k}", asset_ids=[asset_id])).id
            for product in Product:
                for direction in Direction:
                    s.add(Prequalification(asset_id=asset_id, product=product, direction=direction,
                                           path=PrequalificationPath.REVIEW, status=PrequalificationStatus.QUALIFIED,
                                           requested_at=now_s(), decided_at=now_s(), qualified_power_w=400_000))
    s.flush()
    return w


@pytest.fixture(scope="module")
def mworld(market_db_url, chain_market, accounts) -> MWorld:
    database = db.Database(market_db_url)
    with database.transaction() as s:
        world = build_world(s, accounts)
    database.dispose()
    return world


@pytest.fixture(scope="module")
def services(market_db_url, chain_market, accounts, tmp_path_factory, mworld) -> MarketServices:
    settings = Settings(instance_path=tmp_path_factory.mktemp("market-instance"), database_url=market_db_url,
                        rpc_url=f"http://127.0.0.1:{free_port()}", clock="chain")
    gateway = ChainGateway(settings, market=chain_market, operator=accounts.operator)
    services = MarketServices(db.Database(market_db_url), gateway, settings)
    yield services
    services.database.dispose()


@pytest.fixture(scope="module")
def app(services):
    return create_app(test_config={"TESTING": True, "FLEX_DATABASE": services.database,
                                   "FLEX_CHAIN_GATEWAY": services.gateway, "FLEX_CLOCK": services.clock},
                      settings=services.settings)


class Caller:
    """Requests as one world actor (its session cookie and CSRF token), or anonymous."""

    def __init__(self, app, token: tuple[str, str] | None) -> None:
        self.client = app.test_client()
        self.csrf = None
        if token is not None:
            self.client.set_cookie("flexmarket_session", token[0])
            self.csrf = token[1]

    def call(self, method: str, path: str, expect: int | None = 200, **kw):
        headers = dict(kw.pop("headers", {}))
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        reply = self.client.open(f"{V}{path}", method=method, headers=headers, **kw)
        if expect is not None:
            assert reply.status_code == expect, (method, path, reply.status_code, reply.get_data(as_text=True)[:1500])
        return reply.json if reply.mimetype == "application/json" else reply

    def get(self, path: str, expect: int | None = 200, **kw):
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, expect: int | None = 200, **kw):
        return self.call("POST", path, expect, **kw)


@pytest.fixture(scope="module")
def api(app, mworld):
    def caller(name: str | None) -> Caller:
        return Caller(app, None if name is None else mworld.tokens[name])

    return caller


@pytest.fixture
def indexer(services, chain_market):
    """A fresh indexer (its own chain connection) with the market's handlers, on the module's DB."""
    chain = Chain.connect(chain_market.chain.w3.provider.endpoint_uri, poll_latency=0.005)
    return sync.register(EventIndexer(services.database, chain, chain_market.deployment))
