"""Sign-in with a wallet (SIWE), sessions and CSRF, impersonation, OAuth2 machine clients."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import select

from marketplace.models import AuditRecord, SiweNonce, User
from tests.api import payloads

V = "/api/v1"


def _sign_in(api, account, **kw):
    anon = api("anon")
    nonce = anon.get(f"{V}/auth/nonce").json
    reply = anon.post(f"{V}/auth/siwe", json=payloads.siwe_proof(account, nonce["nonce"], **kw))
    return anon, reply


def test_nonce_says_what_the_message_must_name_and_is_stored_single_use(api, connection):
    reply = api("anon").get(f"{V}/auth/nonce")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    body = reply.json
    assert body["domain"] == "localhost" and body["chain_id"] == 31337 and len(body["nonce"]) >= 8
    row = connection.execute(select(SiweNonce).where(SiweNonce.nonce == body["nonce"])).one()
    assert row.used_at is None and row.expires_at == body["expires_at"] and row.expires_at - row.created_at == 600


def test_long_expired_nonces_are_cleared_when_new_ones_are_issued(api, connection):
    from sqlalchemy import insert

    from marketplace.models.base import now_s

    now = now_s()
    connection.execute(insert(SiweNonce), [
        {"nonce": "stale0000001", "created_at": now - 3000, "expires_at": now - 2400},
        {"nonce": "recent000001", "created_at": now - 900, "expires_at": now - 300}])
    api("anon").get(f"{V}/auth/nonce")
    left = set(connection.execute(select(SiweNonce.nonce).where(SiweNonce.nonce.in_(["stale0000001", "recent000001"]))).scalars())
    assert left == {"recent000001"}  # expired less than one lifetime ago: still says "expired", not "unknown"


def test_sign_in_opens_a_session_bound_to_the_users_wallet(api, world, connection):
    caller, reply = _sign_in(api, world.actors["fsp"].account)
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert body["user"]["id"] == world["fsp_user"] and body["participant"]["id"] == world["fsp"]
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith("flexmarket_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = caller.get(f"{V}/auth/me")
    assert me.status_code == 200 and me.json["via"] == "session" and me.json["grant"] == "admin"
    # state-changing requests need the CSRF token returned at sign-in
    assert caller.post(f"{V}/auth/logout").json["code"] == "csrf_failed"
    out = caller.post(f"{V}/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 200
    assert caller.get(f"{V}/auth/me").status_code == 401
    (signed_in,) = audit_rows(connection, "auth.sign_in")
    (signed_out,) = audit_rows(connection, "auth.signed_out")
    assert signed_in["actor_user_id"] == signed_out["actor_user_id"] == world["fsp_user"]
    assert signed_in["after"] == {"user_id": world["fsp_user"], "wallet_address": world.actors["fsp"].account.address,
                                  "wallet_bound_now": False}


def test_an_added_users_wallet_is_bound_at_first_sign_in(api, world, connection):
    newcomer = Account.create()
    added = api("fsp").post(f"{V}/participants/{world['fsp']}/users", json={
        "first_name": "Luis", "last_name": "Nuevo", "email": "luis@example.es", "grant": "trader",
        "wallet_address": newcomer.address.lower()})
    assert added.status_code == 201 and added.json["wallet_address"] == newcomer.address  # checksummed
    assert added.json["wallet_bound_at"] is None
    _, reply = _sign_in(api, newcomer)
    assert reply.status_code == 200 and reply.json["user"]["grant"] == "trader"
    bound = connection.execute(select(User.wallet_bound_at).where(User.id == added.json["id"])).scalar_one()
    assert bound is not None
    assert audit_rows(connection, "auth.sign_in")[-1]["after"]["wallet_bound_now"] is True


def test_a_deactivated_user_cannot_sign_in_and_loses_open_sessions(api, world):
    ro = api("fsp_ro")
    assert ro.get(f"{V}/auth/me").status_code == 200
    assert api("fsp").delete(f"{V}/participants/{world['fsp']}/users/{world['fsp_ro_user']}").status_code == 200
    assert ro.get(f"{V}/auth/me").status_code == 401
    _, reply = _sign_in(api, world.actors["fsp_ro"].account)
    assert reply.status_code == 401 and reply.json["code"] == "unknown_wallet"


def test_the_configured_domain_and_chain_are_enforced(app, api, world):
    settings = app.config["FLEX_SETTINGS"]
    settings_copy = settings.model_copy(update={"siwe_domain": "market.example.org", "siwe_chain_id": 1234})
    app.config["FLEX_SETTINGS"] = settings_copy
    nonce = api("anon").get(f"{V}/auth/nonce").json
    assert (nonce["domain"], nonce["chain_id"]) == ("market.example.org", 1234)
    account = world.actors["dso"].account
    wrong = api("anon").post(f"{V}/auth/siwe", json=payloads.siwe_proof(account, nonce["nonce"]))
    assert wrong.json["code"] == "domain_mismatch"
    nonce = api("anon").get(f"{V}/auth/nonce").json["nonce"]
    right = api("anon").post(f"{V}/auth/siwe", json=payloads.siwe_proof(
        account, nonce, domain="market.example.org", chain_id=1234, uri="https://market.example.org"))
    assert right.status_code == 200, right.json


def test_impersonation_acts_as_the_user_and_audits_both(api, world, connection):
    operator = api("operator")
    started = operator.post(f"{V}/auth/impersonate", json={"user_id": world["fsp_user"]})
    assert started.status_code == 200, started.json
    assert started.json["user"]["id"] == world["fsp_user"] and started.json["impersonator_user_id"] == world["operator_user"]
    csrf = {"X-CSRF-Token": started.json["csrf_token"]}
    me = operator.get(f"{V}/auth/me").json
    assert me["participant"]["id"] == world["fsp"] and me["impersonator_user_id"] == world["operator_user"]
    # acting as the FSP: its assets, its rights (the operator's own rights are not carried over)
    assert {a["id"] for a in operator.get(f"{V}/assets").json["items"]} == {world["asset"], world["asset_b"], world["asset_c"]}
    assert operator.get(f"{V}/audit").status_code == 403
    renamed = operator.patch(f"{V}/assets/{world['asset']}", json={"name": "Renamed by support"}, headers=csrf)
    assert renamed.status_code == 200
    (record,) = audit_rows(connection, "asset.updated")
    assert (record["actor_user_id"], record["acting_as_user_id"], record["participant_id"]) == (
        world["operator_user"], world["fsp_user"], world["fsp"])
    assert record["before"]["name"] == "Battery A" and record["after"]["name"] == "Renamed by support"
    ended = operator.post(f"{V}/auth/impersonate/end", headers=csrf)
    assert ended.status_code == 200 and ended.json["user"]["id"] == world["operator_user"]
    assert ended.json["impersonator_user_id"] is None
    assert operator.get(f"{V}/audit").status_code == 200
    started_row, = audit_rows(connection, "auth.impersonation_started")
    ended_row, = audit_rows(connection, "auth.impersonation_ended")
    assert started_row["actor_user_id"] == world["operator_user"] and started_row["object_id"] == str(world["fsp_user"])
    assert ended_row["id"] > started_row["id"]


def test_machine_client_credentials_give_a_scoped_revocable_bearer_token(api, world, connection):
    created = api("dso").post(f"{V}/api-clients", json={"name": "sGRID", "grant": "trader"})
    assert created.status_code == 201, created.json
    client_id, secret = created.json["client_id"], created.json["client_secret"]
    stored = connection.execute(select(AuditRecord.after).where(AuditRecord.action == "api_client.created")
                                .order_by(AuditRecord.id.desc())).scalars().first()
    assert secret not in str(stored) and "secret_hash" not in stored
    anon = api("anon")
    token = anon.post(f"{V}/oauth/token", data={"grant_type": "client_credentials"},
                      headers={"Authorization": _basic(client_id, secret)})
    assert token.status_code == 200, token.json
    assert token.json["token_type"] == "Bearer" and token.json["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {token.json['access_token']}"}
    me = anon.get(f"{V}/auth/me", headers=bearer).json
    assert me["via"] == "api_client" and me["participant"]["id"] == world["dso"] and me["grant"] == "trader"
    # the grid tool pushes a traffic light: recorded as coming from the grid tool
    light = anon.put(f"{V}/grid/elements/{world['dso_lv_feeder']}/traffic-light", json={"state": "red"}, headers=bearer)
    assert light.status_code == 200 and light.json["source"] == "grid_tool"
    # scoped to its participant: the other DSO's element does not exist for it
    other = anon.put(f"{V}/grid/elements/{world['dso2_lv_feeder']}/traffic-light", json={"state": "red"}, headers=bearer)
    assert other.status_code == 404
    listed = api("dso").get(f"{V}/api-clients").json["items"]
    assert created.json["id"] in [c["id"] for c in listed] and all("client_secret" not in c for c in listed)
    assert api("dso").delete(f"{V}/api-clients/{created.json['id']}").json["revoked_at"] is not None
    assert anon.get(f"{V}/auth/me", headers=bearer).json["code"] == "invalid_token"
    again = anon.post(f"{V}/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                               "client_secret": secret})
    assert again.status_code == 401


def test_a_client_cannot_get_more_than_its_creators_grant(api, world):
    trader = Account.create()
    api("fsp").post(f"{V}/participants/{world['fsp']}/users", json={
        "first_name": "T", "last_name": "Rader", "email": "t@example.es", "grant": "trader",
        "wallet_address": trader.address})
    caller, _ = _sign_in(api, trader)
    # a trader is not an admin: creating clients is an admin's job
    assert caller.post(f"{V}/api-clients", json={"name": "x", "grant": "read_only"},
                       headers={"X-CSRF-Token": "x"}).status_code == 403


def test_a_pending_participant_can_sign_in_but_only_reach_its_own_registration(api, world):
    applicant = api("applicant")
    assert applicant.get(f"{V}/participants/{world['applicant']}").status_code == 200
    assert applicant.get(f"{V}/participants/{world['applicant']}/documents").status_code == 200
    assert applicant.get(f"{V}/assets").json["code"] == "participant_not_approved"


def audit_rows(connection, action: str) -> list[dict]:
    table = AuditRecord.__table__
    return [dict(r) for r in connection.execute(
        select(table).where(table.c.action == action).order_by(table.c.id)).mappings()]


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
