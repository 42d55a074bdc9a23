"""The shared test world: one of each kind of participant, signed-in users, a small grid,
assets, prequalifications, documents and machine clients — built once per database
backend through the domain functions, committed, and then used by every API test inside a
transaction that is rolled back afterwards.

Wallets are the dev-chain accounts of ``tests.conftest.accounts`` (whose registry roles the
``embedded_market`` fixture grants), so a test that reaches the chain finds them in place.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session

from marketplace.domain import assets as asset_domain
from marketplace.domain import auth, grid, participants, prequalification
from marketplace.domain.principal import Principal
from marketplace.models import User
from marketplace.models.enums import DocumentKind, Grant, ParticipantStatus
from marketplace.schemas.assets import AssetIn, BiddingUnitIn, PrequalificationIn
from marketplace.schemas.grid import ForecastPointIn, GridElementIn, TrafficLightIn, ZoneIn
from marketplace.schemas.participants import SignUp, UserIn
from tests.api import market_world, payloads
from tests.helpers import Accounts

#: The roles of the authorization matrix (columns), beside anonymous.
ROLES = ("anon", "operator", "dso", "fsp", "fsp_ro", "oracle", "applicant")


@dataclass
class Actor:
    """A caller: a user with a browser session, or a machine client with a bearer token."""

    name: str
    account: LocalAccount | None = None
    user_id: int | None = None
    participant_id: int | None = None
    token: str | None = None
    csrf: str | None = None
    bearer: str | None = None


@dataclass
class World:
    actors: dict[str, Actor] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def _principal(user: User) -> Principal:
    return Principal(user=user, participant=user.participant, grant=user.grant)


def _register(s: Session, account: LocalAccount, role: str, name: str, *, approve: bool = True,
              fsp_kind: str | None = "aggregator") -> User:
    body = payloads.sign_up({"message": "x", "signature": "0x" + "00" * 65}, role=role, name=name, fsp_kind=fsp_kind)
    participant, user = participants.sign_up(s, SignUp.model_validate_json(_json(body), strict=True), account.address, None)
    if approve:
        participant.status = ParticipantStatus.APPROVED
        participant.decided_at = participant.created_at
    return user


def _json(body: dict) -> str:
    return json.dumps(body)


def _v(model, body: dict):
    """Validate ``body`` as the API does (strict JSON)."""
    return model.model_validate_json(json.dumps(body), strict=True)


def build(s: Session, accounts: Accounts, documents_path: Path, session_ttl_s: int = 24 * 3600) -> World:
    """Create the world in ``s`` (the caller commits)."""
    w = World()
    op_user = participants.ensure_operator(s, accounts.operator.address, name="Test market operator")
    operator = _principal(op_user)
    users = {
        "operator": op_user,
        "dso": _register(s, accounts.dso, "dso", "Distribuidora Uno", fsp_kind=None),
        "dso2": _register(s, accounts.dso2, "dso", "Distribuidora Dos", fsp_kind=None),
        "fsp": _register(s, accounts.fsps[0], "fsp", "Agregador Uno"),
        "fsp2": _register(s, accounts.fsps[2], "fsp", "Agregador Dos", fsp_kind="cpo"),
        "oracle": _register(s, accounts.oracle, "meter_oracle", "Meter Oracle SA", fsp_kind=None),
        "applicant": _register(s, accounts.fsps[3], "fsp", "Applicant Energy", approve=False, fsp_kind="prosumer"),
    }
    accounts_by = {"operator": accounts.operator, "dso": accounts.dso, "dso2": accounts.dso2, "fsp": accounts.fsps[0],
                   "fsp2": accounts.fsps[2], "oracle": accounts.oracle, "applicant": accounts.fsps[3]}
    s.flush()
    fsp = _principal(users["fsp"])
    users["fsp_ro"] = participants.add_user(s, fsp, users["fsp"].participant_id, UserIn(
        first_name="Rita", last_name="Lectora", email="rita@example.es", grant=Grant.READ_ONLY,
        wallet_address=accounts.fsps[1].address))
    users["fsp_ro"].wallet_bound_at = users["fsp_ro"].created_at
    accounts_by["fsp_ro"] = accounts.fsps[1]
    for name, user in users.items():
        w.ids[name] = user.participant_id
        w.ids[f"{name}_user"] = user.id
        issued = auth.start_session(s, user, session_ttl_s)
        w.actors[name] = Actor(name, accounts_by[name], user.id, user.participant_id, issued.token, issued.csrf_token)
    w.actors["anon"] = Actor("anon")

    # documents: the applicant has all three (ready for approval), the FSP one
    for kind in DocumentKind:
        doc = participants.store_document(s, _principal(users["applicant"]), w["applicant"], kind, f"{kind.value}.pdf",
                                          io.BytesIO(payloads.PDF), documents_path, 10 * 1024 * 1024)
        w.ids[f"applicant_doc_{kind.value}"] = doc.id
    w.ids["fsp_doc"] = participants.store_document(s, fsp, w["fsp"], DocumentKind.NON_COLLUSION_COMMITMENT,
                                                   "commitment.xml", io.BytesIO(payloads.XML), documents_path,
                                                   10 * 1024 * 1024).id

    # grid: each DSO has HV/MV → MV feeder → MV/LV substation → LV feeder, a zone, lights
    for dso in ("dso", "dso2"):
        p = _principal(users[dso])
        tag = "A" if dso == "dso" else "B"
        parent = None
        for kind, code in (("hv_mv_substation", f"SS-{tag}"), ("mv_feeder", f"MV-{tag}1"),
                           ("mv_lv_substation", f"TR-{tag}11"), ("lv_feeder", f"LV-{tag}111")):
            element = grid.create_element(s, p, _v(GridElementIn, 
                {"kind": kind, "code": code, "name": f"{kind} {code}", "parent_id": parent,
                 "latitude_udeg": 40_400_000, "longitude_udeg": -3_700_000}))
            parent = element.id
            w.ids[f"{dso}_{kind}"] = element.id
        w.ids[f"{dso}_zone"] = grid.create_zone(s, p, ZoneIn(name=f"Zone {tag}", province="Madrid",
                                                             postal_codes=["28012", "28013"] if dso == "dso" else ["08001"])).id
        grid.set_traffic_light(s, p, w[f"{dso}_mv_feeder"], _v(TrafficLightIn, {"state": "yellow", "valid_from": 1_700_000_000}))
        grid.store_forecast(s, p, w[f"{dso}_mv_lv_substation"], [
            ForecastPointIn(start=payloads.T0 + 900 * i, load_w=400_000 + i, planning_limit_w=500_000) for i in range(4)])

    # assets: the FSP has two on DSO 1's grid and one on DSO 2's; FSP 2 one on DSO 2's
    def register(principal: Principal, element: str, name: str, postal_code: str) -> int:
        body = payloads.asset(w[element], name=name, postal_code=postal_code)
        ((asset_id, error),) = asset_domain.register(s, principal, [AssetIn.model_validate_json(_json(body), strict=True)])
        assert error is None, error
        return asset_id

    w.ids["asset"] = register(fsp, "dso_lv_feeder", "Battery A", "28012")
    w.ids["asset_b"] = register(fsp, "dso_lv_feeder", "Battery B", "28013")
    w.ids["asset_c"] = register(fsp, "dso2_lv_feeder", "Battery C", "08001")
    w.ids["asset2"] = register(_principal(users["fsp2"]), "dso2_lv_feeder", "Charger D", "08001")
    w.ids["unit"] = asset_domain.create_bidding_unit(s, fsp, BiddingUnitIn(name="Unit B", asset_ids=[w["asset_b"]])).id
    w.ids["pq_review"] = prequalification.request(s, fsp, _v(PrequalificationIn, 
        {"asset_id": w["asset"], "product": "st_energy", "direction": "up", "path": "review"})).id
    w.ids["pq_test"] = prequalification.request(s, fsp, _v(PrequalificationIn, 
        {"asset_id": w["asset"], "product": "st_energy", "direction": "down", "path": "test"})).id
    w.ids["pq_c"] = prequalification.request(s, fsp, _v(PrequalificationIn, 
        {"asset_id": w["asset_c"], "product": "lt_availability", "direction": "up", "path": "review"})).id

    # machine clients: the FSP's (trader) and DSO 1's grid tool (trader), each with a token
    for name, owner in (("fsp_bot", "fsp"), ("dso_bot", "dso")):
        client, secret = auth.create_api_client(s, _principal(users[owner]), f"{name} client", Grant.TRADER)
        token, _ = auth.issue_token(s, client.client_id, secret, 24 * 3600, None)
        w.ids[f"{name}_client"] = client.id
        w.secrets[f"{name}_client_id"] = client.client_id
        w.secrets[f"{name}_secret"] = secret
        w.actors[name] = Actor(name, None, None, client.participant_id, bearer=token)
    market_world.build(s, w, documents_path)
    return w


def fresh_account() -> LocalAccount:
    return Account.create()

