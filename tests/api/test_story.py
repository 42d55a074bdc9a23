"""End to end, over HTTP against ``flexmarket api`` (waitress) as a user runs it:

- the server starts without a chain, migrates its database, answers, and refuses approvals
  with 503 until a chain is there;
- the whole story on a real anvil node: a DSO and an FSP sign up with their wallets, upload
  their documents and are approved by the operator (the approval granting their roles in the
  on-chain registry), sign in with their wallets, and the FSP registers assets and gets them
  prequalified — by the automated activation test and by DSO and operator review.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from eth_account import Account

from marketplace.chain.deploy import DSO, FSP
from marketplace.chain.node import free_port
from tests.api import payloads

FLEXMARKET = str(Path(sys.executable).with_name("flexmarket"))
KINDS = ("confidentiality_commitment", "non_collusion_commitment", "power_of_attorney")


class Server:
    """``flexmarket api`` in a child process on a free loopback port."""

    def __init__(self, instance: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.domain = f"127.0.0.1:{self.port}"
        full_env = dict(os.environ, FLEX_INSTANCE_PATH=str(instance), FLEX_PORT=str(self.port), FLEX_DATABASE_URL="",
                        **env)
        self.process = subprocess.Popen([FLEXMARKET, "api"], env=full_env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.process.stdout.read()
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "flexmarket api did not answer"
            time.sleep(0.1)

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        return output


class User:
    """A wallet holder talking to the server with a browser-like session."""

    def __init__(self, server: Server, account=None) -> None:
        self.server = server
        self.account = account or Account.create()
        self.http = requests.Session()
        self.csrf = ""

    def url(self, path: str) -> str:
        return f"{self.server.base}/api/v1{path}"

    def proof(self) -> dict:
        nonce = self.http.get(self.url("/auth/nonce"), timeout=10).json()
        assert nonce["domain"] == self.server.domain
        return payloads.siwe_proof(self.account, nonce["nonce"], domain=nonce["domain"], chain_id=nonce["chain_id"],
                                   uri=self.server.base)

    def sign_in(self) -> dict:
        reply = self.http.post(self.url("/auth/siwe"), json=self.proof(), timeout=10)
        assert reply.status_code == 200, reply.text
        self.csrf = reply.json()["csrf_token"]
        return reply.json()

    def call(self, method: str, path: str, expect: int = 200, **kw) -> dict:
        reply = self.http.request(method, self.url(path), headers={"X-CSRF-Token": self.csrf}, timeout=60, **kw)
        assert reply.status_code == expect, (method, path, reply.status_code, reply.text[:800])
        return reply.json()

    def sign_up(self, **over) -> int:
        body = self.call("POST", "/participants", 201, json=payloads.sign_up(self.proof(), **over))
        self.csrf = body["csrf_token"]
        pid = body["participant"]["id"]
        for kind in KINDS:
            self.call("POST", f"/participants/{pid}/documents", 201,
                      data={"kind": kind}, files={"file": (f"{kind}.pdf", io.BytesIO(payloads.PDF), "application/pdf")})
        return pid


@pytest.mark.slow
def test_the_api_starts_without_a_chain_and_refuses_approvals_with_503(tmp_path):
    operator = Account.create()
    server = Server(tmp_path, FLEX_RPC_URL=f"http://127.0.0.1:{free_port()}", FLEX_OPERATOR_ADMIN=operator.address)
    try:
        assert (tmp_path / "flexmarket.sqlite").is_file()
        applicant = User(server)
        pid = applicant.sign_up(name="Waiting for the chain SL")
        admin = User(server, operator)
        assert admin.sign_in()["participant"]["role"] == "market_operator"
        refused = admin.call("POST", f"/participants/{pid}/approve", 503, json={})
        assert refused["code"] == "chain_unavailable" and "not deployed" in refused["message"]
        assert admin.call("GET", f"/participants/{pid}")["status"] == "pending"
    finally:
        output = server.stop()
    assert server.process.returncode == 0, output
    assert "market operator created" in output and "API on http://127.0.0.1" in output


@pytest.mark.anvil
@pytest.mark.slow
def test_sign_up_approval_wallet_sign_in_assets_and_prequalification_on_a_real_chain(
        tmp_path, anvil_node, anvil_market, accounts):
    anvil_market.deployment.save(tmp_path / "deployment.json")
    server = Server(tmp_path, FLEX_RPC_URL=anvil_node.url)  # operator admin: the deployment's operator
    market = anvil_market
    try:
        operator = User(server, accounts.operator)
        operator.sign_in()

        # a DSO joins and builds its grid
        dso = User(server)
        dso_id = dso.sign_up(role="dso", fsp_kind=None, name="Distribuidora Sur SA")
        approval = operator.call("POST", f"/participants/{dso_id}/approve", json={"note": "welcome"})
        assert approval["grants"][0]["tx_hash"].startswith("0x")
        assert market.chain.call(market.market.functions.hasRole(dso.account.address, DSO))
        dso.sign_in()
        parent = None
        for kind, code in (("hv_mv_substation", "ST-1"), ("mv_feeder", "ST-1/F3"), ("mv_lv_substation", "CT-88"),
                           ("lv_feeder", "CT-88/B1")):
            parent = dso.call("POST", "/grid/elements", 201, json={"kind": kind, "code": code, "name": code,
                                                                    "parent_id": parent})["id"]
        zone = dso.call("POST", "/zones", 201, json={"name": "Sevilla Este", "province": "Sevilla",
                                                    "postal_codes": ["41020"]})["id"]

        # a new FSP: sign up, approval (role granted on chain), wallet sign-in
        fsp = User(server)
        fsp_id = fsp.sign_up(name="Flexibilidad Norte SL", fsp_kind="aggregator")
        assert not market.chain.call(market.market.functions.hasRole(fsp.account.address, FSP))
        assert fsp.call("GET", "/assets", 403)["code"] == "participant_not_approved"
        approval = operator.call("POST", f"/participants/{fsp_id}/approve", json={})
        tx = approval["grants"][0]["tx_hash"]
        assert market.chain.w3.eth.get_transaction_receipt(tx)["status"] == 1
        assert market.chain.call(market.market.functions.hasRole(fsp.account.address, FSP))
        fsp.http.cookies.clear()
        me = fsp.sign_in()
        assert me["participant"]["status"] == "approved" and me["user"]["chain_role_tx"] == tx

        # assets: one by one and in bulk
        battery = fsp.call("POST", "/assets", 201, json=payloads.asset(parent, postal_code="41020"))
        bulk = fsp.call("POST", "/assets/bulk", json={"items": [
            payloads.asset(parent, name=f"Heat pump {i}", asset_type="heat_pump", postal_code="41020")
            for i in range(3)]})
        assert bulk["created"] == 3
        assert battery["dso_id"] == dso_id and battery["location"]["lv_feeder"] == parent

        # prequalification by the automated activation test
        attempt = fsp.call("POST", "/prequalifications", 201, json={
            "asset_id": battery["id"], "product": "st_energy", "direction": "up", "path": "test"})
        judged = fsp.call("POST", f"/prequalifications/{attempt['id']}/test", json=payloads.activation_test("up"))
        assert judged["status"] == "qualified" and judged["qualified_power_w"] == 4_000

        # and by review: the DSO's technical check, then the operator's
        attempt = fsp.call("POST", "/prequalifications", 201, json={
            "asset_id": battery["id"], "product": "lt_availability", "direction": "down"})
        dso.call("POST", f"/prequalifications/{attempt['id']}/dso-review", json={"decision": "accepted"})
        decided = operator.call("POST", f"/prequalifications/{attempt['id']}/operator-review",
                                json={"decision": "accepted"})
        assert decided["status"] == "qualified" and decided["qualified_power_w"] == 8_000

        standing = {(p["product"], p["direction"]): p["status"]
                    for p in fsp.call("GET", f"/assets/{battery['id']}")["prequalification"]}
        assert standing[("st_energy", "up")] == standing[("lt_availability", "down")] == "qualified"
        in_zone = {a["id"] for a in dso.call("GET", f"/assets?zone_id={zone}")["items"]}
        assert in_zone == {battery["id"], *(r["id"] for r in bulk["results"])}
        trail = operator.call("GET", f"/audit?participant_id={fsp_id}&limit=1000")["items"]
        assert {"participant.signed_up", "document.uploaded", "participant.approved", "asset.registered",
                "prequalification.tested"} <= {r["action"] for r in trail}
    finally:
        output = server.stop()
    assert server.process.returncode == 0, output


def test_the_api_refuses_to_start_on_an_unreachable_database(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from marketplace.cli import main

    monkeypatch.setenv("FLEX_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLEX_DATABASE_URL", f"postgresql+psycopg://flex:s3cret@127.0.0.1:{free_port()}/flexmarket")
    result = CliRunner().invoke(main, ["api"])
    assert result.exit_code == 1
    assert "cannot open the database postgresql+psycopg://flex:***@127.0.0.1" in result.output
    assert "s3cret" not in result.output
