"""Participants: sign-up (seed table 1), documents, approval with the on-chain role grant,
rejection, users and contacts."""

from __future__ import annotations

import hashlib
import io
import json

from eth_account import Account
from eth_utils import to_checksum_address
from sqlalchemy import select

from marketplace import db
from marketplace.app import create_app
from marketplace.chain.deploy import FSP, Deployment
from marketplace.domain.chain_gateway import ChainGateway
from marketplace.models import Participant
from tests.api import payloads
from tests.api.test_auth import audit_rows

V = "/api/v1"
KINDS = ("confidentiality_commitment", "non_collusion_commitment", "power_of_attorney")


def sign_up(api, account=None, **over):
    account = account or Account.create()
    anon = api("anon")
    nonce = anon.get(f"{V}/auth/nonce").json["nonce"]
    reply = anon.post(f"{V}/participants", json=payloads.sign_up(payloads.siwe_proof(account, nonce), **over))
    assert reply.status_code == 201, reply.json
    return anon, reply.json, account


def upload_all(caller, csrf: str, participant_id: int) -> list[dict]:
    out = []
    for kind in KINDS:
        reply = caller.post(f"{V}/participants/{participant_id}/documents", headers={"X-CSRF-Token": csrf},
                            data={"kind": kind, "file": (io.BytesIO(payloads.PDF + kind.encode()), f"{kind}.pdf")},
                            content_type="multipart/form-data")
        assert reply.status_code == 201, reply.json
        out.append(reply.json)
    return out


def test_sign_up_records_table_1_and_binds_the_representatives_wallet(api, world):
    caller, body, account = sign_up(api, iban="es91 2100 0418 4502 0005 1332", tax_id="b12345678")
    p = body["participant"]
    assert p["status"] == "pending" and p["role"] == "fsp" and p["fsp_kind"] == "aggregator"
    assert p["iban"] == "ES9121000418450200051332" and p["tax_id"] == "B12345678"
    assert (p["locality"], p["postal_code"], p["province"], p["country"]) == ("Madrid", "28014", "Madrid", "ES")
    assert p["representative"] == {**payloads.representative(), "tax_id": "12345678Z"}
    user = body["user"]
    assert user["wallet_address"] == account.address and user["wallet_bound_at"] is not None
    assert (user["grant"], user["is_contact"], user["power_of_attorney"]) == ("admin", True, True)
    # signed in by the sign-up itself; the registration is not public yet
    assert caller.get(f"{V}/auth/me").json["participant"]["id"] == p["id"]
    assert p["id"] not in [x["id"] for x in api("anon").get(f"{V}/participants").json["items"]]
    pending = api("operator").get(f"{V}/participants?status=pending").json["items"]
    assert p["id"] in [x["id"] for x in pending]


def test_documents_are_stored_by_sha256_and_only_their_participant_and_the_operator_see_them(api, world, settings):
    caller, body, _ = sign_up(api)
    pid = body["participant"]["id"]
    docs = upload_all(caller, body["csrf_token"], pid)
    for doc, kind in zip(docs, KINDS, strict=True):
        content = payloads.PDF + kind.encode()
        assert doc["sha256"] == hashlib.sha256(content).hexdigest() and doc["size_bytes"] == len(content)
        assert doc["media_type"] == "application/pdf" and doc["kind"] == kind
        stored = settings.documents_path / doc["sha256"][:2] / doc["sha256"]
        assert stored.read_bytes() == content
        got = caller.get(f"{V}/participants/{pid}/documents/{doc['id']}")
        assert got.status_code == 200 and got.data == content and got.headers["X-Content-SHA256"] == doc["sha256"]
    listed = api("operator").get(f"{V}/participants/{pid}/documents").json["items"]
    assert [d["id"] for d in listed] == [d["id"] for d in docs]
    # the FSP of the world sees its own document only
    own = api("fsp").get(f"{V}/participants/{world['fsp']}/documents").json["items"]
    assert [d["id"] for d in own] == [world["fsp_doc"]] and own[0]["media_type"] == "application/xml"
    assert api("fsp").get(f"{V}/participants/{pid}/documents").status_code == 404
    assert api("fsp").get(f"{V}/participants/{pid}/documents/{docs[0]['id']}").status_code == 404


def test_approval_grants_the_role_on_chain_and_is_audited(api, world, connection, market):
    caller, body, account = sign_up(api)
    pid = body["participant"]["id"]
    upload_all(caller, body["csrf_token"], pid)
    assert not market.chain.call(market.market.functions.hasRole(account.address, FSP))
    reply = api("operator").post(f"{V}/participants/{pid}/approve", json={"note": "documents in order"})
    assert reply.status_code == 200, reply.json
    assert reply.json["participant"]["status"] == "approved"
    (grant,) = reply.json["grants"]
    assert grant["wallet_address"] == account.address and grant["tx_hash"].startswith("0x")
    assert market.chain.call(market.market.functions.hasRole(account.address, FSP))
    receipt = market.chain.w3.eth.get_transaction_receipt(grant["tx_hash"])
    assert receipt["status"] == 1 and to_checksum_address(receipt["from"]) == world.actors["operator"].account.address
    (record,) = audit_rows(connection, "participant.approved")
    assert record["before"]["status"] == "pending" and record["after"]["status"] == "approved"
    assert record["after"]["role_grants"][0]["tx_hash"] == grant["tx_hash"]
    assert record["actor_user_id"] == world["operator_user"]
    # now it is in the public directory
    assert pid in [x["id"] for x in api("anon").get(f"{V}/participants?role=fsp").json["items"]]


def _app_with_gateway(settings, connection, gateway):
    return create_app(test_config={"TESTING": True, "FLEX_DATABASE": db.Database(settings.effective_database_url,
                                                                                  connection=connection),
                                   "FLEX_CHAIN_GATEWAY": gateway}, settings=settings)


class _Untouchable(ChainGateway):
    def market(self):
        raise AssertionError("the chain must not be reached")


def test_approval_without_a_chain_answers_503_and_changes_nothing(settings, connection, world, tmp_path):
    from tests.api.conftest import Caller

    unreachable = settings.model_copy(update={"instance_path": tmp_path})
    Deployment(chain_id=31337, token="0x" + "11" * 20, market="0x" + "22" * 20,
               operator=world.actors["operator"].account.address, block=1, build="x").save(unreachable.deployment_path)
    app = _app_with_gateway(unreachable, connection, ChainGateway(unreachable, connect_timeout_s=1.0))
    operator = Caller(app, world.actors["operator"])
    path = f"{V}/participants/{world['applicant']}/approve"
    reply = operator.post(path, json={})
    assert reply.status_code == 503, reply.json
    assert reply.json["code"] == "chain_unavailable" and "no chain node answers" in reply.json["message"]
    status = connection.execute(select(Participant.status).where(Participant.id == world["applicant"])).scalar_one()
    assert status.value == "pending"
    assert audit_rows(connection, "participant.approved") == []
    # no deployment record: also 503, saying so
    (unreachable.deployment_path).unlink()
    reply = operator.post(path, json={})
    assert reply.status_code == 503 and "not deployed" in reply.json["message"]


def test_authentication_and_validation_come_before_the_chain(settings, connection, world):
    from tests.api.conftest import Caller

    app = _app_with_gateway(settings, connection, _Untouchable(settings))
    path = f"{V}/participants/{world['applicant']}/approve"
    assert Caller(app, world.actors["anon"]).post(path, json={}).status_code == 401
    assert Caller(app, world.actors["dso"]).post(path, json={}).status_code == 403
    assert Caller(app, world.actors["operator"], csrf=False).post(path, json={}).status_code == 403
    assert Caller(app, world.actors["operator"]).post(path, json={"note": 1}).status_code == 422
    assert Caller(app, world.actors["operator"]).post(path, data="{", content_type="application/json").status_code == 400
    assert Caller(app, world.actors["operator"]).post(f"{V}/participants/{world['fsp']}/approve", json={}).status_code == 409


def test_rejection_keeps_the_reason_and_the_applicant_may_fix_and_be_approved(api, world, market):
    rejected = api("operator").post(f"{V}/participants/{world['applicant']}/reject",
                                    json={"reason": "power of attorney unsigned"})
    assert rejected.status_code == 200 and rejected.json["participant"]["status"] == "rejected"
    seen = api("applicant").get(f"{V}/participants/{world['applicant']}").json
    assert (seen["status"], seen["status_reason"]) == ("rejected", "power of attorney unsigned")
    fixed = api("applicant").post(
        f"{V}/participants/{world['applicant']}/documents", data={
            "kind": "power_of_attorney", "file": (io.BytesIO(payloads.PDF + b"signed"), "poa-signed.pdf")},
        content_type="multipart/form-data")
    assert fixed.status_code == 201
    approved = api("operator").post(f"{V}/participants/{world['applicant']}/approve", json={})
    assert approved.status_code == 200 and approved.json["participant"]["status"] == "approved"
    # its wallet already held the FSP role on the test chain: nothing was sent
    assert approved.json["grants"][0]["tx_hash"] is None


def test_an_organisation_manages_only_its_own_users_and_contacts(api, world):
    new_user = {"first_name": "Eva", "last_name": "Ruiz", "email": "eva@example.es", "grant": "read_only",
                "wallet_address": Account.create().address}
    assert api("fsp").post(f"{V}/participants/{world['fsp2']}/users", json=new_user).status_code == 404
    assert api("fsp").patch(f"{V}/participants/{world['fsp2']}", json={"phone": "+34 1111"}).status_code == 404
    assert api("fsp_ro").post(f"{V}/participants/{world['fsp']}/users", json=new_user).status_code == 403
    made = api("operator").post(f"{V}/participants/{world['fsp2']}/users", json=new_user)
    assert made.status_code == 201 and made.json["participant_id"] == world["fsp2"]
    users = api("fsp").get(f"{V}/participants/{world['fsp']}/users").json["items"]
    assert {u["id"] for u in users} == {world["fsp_user"], world["fsp_ro_user"]}
    changed = api("fsp").patch(f"{V}/participants/{world['fsp']}", json={
        "email": "contact@agregador.es", "representative": payloads.representative(first_name="Marta")})
    assert changed.status_code == 200
    assert changed.json["email"] == "contact@agregador.es" and changed.json["representative"]["first_name"] == "Marta"
    assert changed.json["entity_name"] == "Agregador Uno"


def test_a_second_admin_contact_lets_the_first_step_down(api, world):
    promoted = api("fsp").patch(f"{V}/participants/{world['fsp']}/users/{world['fsp_ro_user']}",
                                json={"grant": "admin", "is_contact": True})
    assert promoted.status_code == 200 and promoted.json["grant"] == "admin"
    demoted = api("fsp").patch(f"{V}/participants/{world['fsp']}/users/{world['fsp_user']}", json={"grant": "trader"})
    assert demoted.status_code == 200 and demoted.json["grant"] == "trader"


def test_roles_for_wallets_bound_after_approval_are_granted_on_request(api, world, market):
    newcomer = Account.create()
    api("fsp").post(f"{V}/participants/{world['fsp']}/users", json={
        "first_name": "N", "last_name": "C", "email": "n@example.es", "grant": "trader",
        "wallet_address": newcomer.address})
    anon = api("anon")
    nonce = anon.get(f"{V}/auth/nonce").json["nonce"]
    assert anon.post(f"{V}/auth/siwe", json=payloads.siwe_proof(newcomer, nonce)).status_code == 200
    reply = api("operator").post(f"{V}/participants/{world['fsp']}/chain-roles")
    assert reply.status_code == 200, reply.json
    by_wallet = {g["wallet_address"]: g["tx_hash"] for g in reply.json["grants"]}
    assert by_wallet[newcomer.address].startswith("0x")
    assert market.chain.call(market.market.functions.hasRole(newcomer.address, FSP))
    # granted once: asking again sends nothing
    assert api("operator").post(f"{V}/participants/{world['fsp']}/chain-roles").json["grants"] == []


def test_the_directory_shows_public_fields_only(api, world):
    items = api("anon").get(f"{V}/participants?role=dso").json["items"]
    assert {i["id"] for i in items} == {world["dso"], world["dso2"]}
    assert set(items[0]) == {"id", "role", "fsp_kind", "entity_name", "status"}
    assert json.dumps(items).find("iban") == -1
