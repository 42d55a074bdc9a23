"""``flexmarket demo``: the three pilot flows on a fresh chain and database, headless.

A scripted scenario through the market service's API (the Flask app in process, no browser),
on a fresh local anvil chain (a child process) with the contracts freshly deployed and a fresh
SQLite database, both in a temporary folder:

1. **Italy** (seed 3.4.4-3.4.7): a DSO's request at a transformer (manual-pick session),
   three charge-point operators offer, the DSO picks one and awards it with its own wallet;
2. **Slovenia** (seed 3.3.3): a long-term availability auction (weekly product, pay-as-clear)
   with qualification and guarantees, the DSO's activations, then a short-term session for
   the same requirement under an orange light, with a DCA bid and the long-term holder
   competing at its capped price;
3. **Spain** (seed 3.2.2): a long-term availability auction, pay-as-bid.

Every participant signs up with its wallet (SIWE), uploads its documents and is approved (the
approval grants its role on chain); DSOs sign the escrow and FSPs their bids with their own
keys — the public development keys of the local dev chain (``marketplace.chain.devkeys``).

Settlement: meter data from the deterministic simulator (``oracle.simulator``) responding to
the agreements and activations, pushed as CSV through the meter data API by the meter oracle
participant; the meter oracle worker (``oracle.worker``) judges activations and agreements
from the stored readings and attests on chain with the dev chain's METER_ORACLE key.
Long-term agreements: availability delivered = ordered x successful / total activations;
activation delivered = sum over activations of min(delivered, ordered).
The indexer mirrors the chain throughout; ``reconcile`` must find no difference at the end.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from eth_account import Account
from eth_account.messages import encode_defunct

from marketplace.chain import devkeys

HOUR = 3600
DAY = 86_400
Q = 900
EUR = 1_000_000
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
#: The dev chain's meter oracle key (``devkeys.DEV_ORACLE_INDEX`` where defined).
ORACLE_INDEX = getattr(devkeys, "DEV_ORACLE_INDEX", 19)


class DemoError(Exception):
    """A step of the scenario did not go as scripted."""


@dataclass
class Actor:
    """A participant's user talking to the API with its session cookie; ``account`` its wallet."""

    name: str
    account: Any
    client: Any
    csrf: str = ""
    participant_id: int = 0

    def call(self, method: str, path: str, expect: int = 200, **kw) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf and method != "GET" else {}
        reply = self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)
        if reply.status_code != expect:
            raise DemoError(f"{self.name}: {method} {path} answered {reply.status_code}: "
                            f"{reply.get_data(as_text=True)[:600]}")
        return reply.json

    def get(self, path: str, expect: int = 200, **kw) -> Any:
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, expect: int = 200, **kw) -> Any:
        return self.call("POST", path, expect, **kw)


@dataclass
class Demo:
    """The scenario's state: the app, the chain, the actors, what happened."""

    root: Path
    say: Any = print
    actors: dict[str, Actor] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)

    # ------------------------------------------------------------------ setup
    def start(self) -> None:
        from marketplace import db
        from marketplace.app import create_app
        from marketplace.chain.client import Chain
        from marketplace.chain.deploy import deploy
        from marketplace.chain.market import MarketClient
        from marketplace.chain.node import AnvilNode, free_port
        from marketplace.domain import participants
        from marketplace.settings import Settings

        self.node = AnvilNode(free_port()).start()
        self.chain = Chain.connect(self.node.url, poll_latency=0.005)
        operator = devkeys.dev_account(0)
        deployment = deploy(self.chain, operator)
        self.settings = Settings(instance_path=self.root, database_url="", rpc_url=self.node.url, clock="chain",
                                 siwe_domain="localhost", award_window_s=HOUR)
        deployment.save(self.settings.deployment_path)
        url = self.settings.effective_database_url
        db.upgrade(url)
        database = db.Database(url)
        with database.transaction() as s:
            participants.ensure_operator(s, operator.address, name="FlexMarket operator")
        database.dispose()
        from marketplace.domain.chain_gateway import ChainGateway
        from marketplace.market.workers import indexer_for

        self.market = MarketClient(self.chain, deployment)
        gateway = ChainGateway(self.settings, market=self.market, operator=operator)
        self.app = create_app(test_config={"TESTING": True, "FLEX_CHAIN_GATEWAY": gateway}, settings=self.settings)
        self.services = self.app.extensions["flexmarket.market"]

        self.indexer = indexer_for(self.services)
        self.actors["operator"] = self._sign_in("operator", operator)

    def stop(self) -> None:
        node = getattr(self, "node", None)
        if node is not None:
            node.stop()

    def now(self) -> int:
        return self.chain.timestamp()

    def travel_to(self, t: int) -> None:
        if t > self.now():
            self.chain.travel(t - self.now())

    def index(self) -> None:
        self.indexer.poll()

    # ------------------------------------------------------------------ onboarding
    def _siwe(self, account) -> dict:
        client = self.app.test_client()
        nonce = client.get("/api/v1/auth/nonce").json
        issued = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = "\n".join([
            f"{nonce['domain']} wants you to sign in with your Ethereum account:", account.address, "",
            "Sign in to FlexMarket.", "", f"URI: http://{nonce['domain']}", "Version: 1",
            f"Chain ID: {nonce['chain_id']}", f"Nonce: {nonce['nonce']}", f"Issued At: {issued}"])
        signature = Account.sign_message(encode_defunct(text=message), account.key).signature
        return {"message": message, "signature": "0x" + bytes(signature).hex()}

    def _sign_in(self, name: str, account) -> Actor:
        client = self.app.test_client()
        reply = client.post("/api/v1/auth/siwe", json=self._siwe(account))
        if reply.status_code != 200:
            raise DemoError(f"{name} cannot sign in: {reply.get_data(as_text=True)}")
        return Actor(name, account, client, reply.json["csrf_token"], reply.json["participant"]["id"])

    def join(self, name: str, index: int, role: str, entity: str, country: str, fsp_kind: str | None = None) -> Actor:
        """Sign up with the wallet, upload the documents, be approved (role granted on chain), sign in."""
        account = devkeys.dev_account(index)
        client = self.app.test_client()
        body = {"role": role, "entity_name": entity, "tax_id": f"B{index:08d}", "iban": "ES9121000418450200051332",
                "address": "Via Roma 1", "locality": "Capital", "postal_code": "28012", "province": "Capital",
                "country": country, "phone": "+34 910 000 000", "email": f"info{index}@example.org",
                "representative": {"first_name": "Ana", "last_name": "Rossi", "tax_id": f"X{index:07d}",
                                   "phone": "+34 600 000 000", "address": "Via Roma 1", "email": f"rep{index}@example.org"},
                "wallet": self._siwe(account)}
        if fsp_kind:
            body["fsp_kind"] = fsp_kind
        reply = client.post("/api/v1/participants", json=body)
        if reply.status_code != 201:
            raise DemoError(f"{name} cannot sign up: {reply.get_data(as_text=True)}")
        actor = Actor(name, account, client, reply.json["csrf_token"], reply.json["participant"]["id"])
        for kind in ("confidentiality_commitment", "non_collusion_commitment", "power_of_attorney"):
            actor.post(f"/participants/{actor.participant_id}/documents", 201,
                       data={"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}, content_type="multipart/form-data")
        self.actors["operator"].post(f"/participants/{actor.participant_id}/approve", json={"note": "demo"})
        actor = self._sign_in(name, account)
        self.actors[name] = actor
        if role in ("dso", "fsp"):
            self.market.mint(devkeys.dev_account(0), account.address, (10_000 if role == "dso" else 100) * EUR)
        return actor

    def grid(self, dso: Actor, prefix: str) -> dict[str, int]:
        ids, parent = {}, None
        for kind, code in (("hv_mv_substation", f"{prefix}-HV"), ("mv_feeder", f"{prefix}-MV1"),
                           ("mv_lv_substation", f"{prefix}-TR19"), ("lv_feeder", f"{prefix}-LV1")):
            parent = dso.post("/grid/elements", 201, json={"kind": kind, "code": code, "name": code,
                                                           "parent_id": parent})["id"]
            ids[kind] = parent
        return ids

    def unit(self, fsp: Actor, feeder: int, meters: list[str], asset_type: str, name: str, power_w: int,
             products: list[tuple[str, str]]) -> int:
        """Register the assets, prequalify them by review (DSO and operator), group them in a unit."""
        dso = next(a for a in self.actors.values() if a.participant_id == self._dso_of(feeder))
        asset_ids = []
        for meter in meters:
            body = {"name": f"{name} {meter}", "asset_type": asset_type, "status": "operational",
                    "voltage_level_v": 400, "installed_generation_w": power_w if asset_type == "battery" else 0,
                    "installed_consumption_w": power_w, "active_import_w": power_w, "active_export_w": power_w,
                    "metering_point_id": meter, "grid_element_id": feeder, "postal_code": "28012"}
            if asset_type == "EV_charging":
                body["charging_station"] = {"model": "Pulsar", "country": "IT", "city": "Roma", "address": "Via 1",
                                            "max_ac_power_w": power_w, "max_dc_power_w": 0, "connectors": ["type2"]}
            asset_ids.append(fsp.post("/assets", 201, json=body)["id"])
            for product, direction in products:
                attempt = fsp.post("/prequalifications", 201, json={"asset_id": asset_ids[-1], "product": product,
                                                                    "direction": direction})
                dso.post(f"/prequalifications/{attempt['id']}/dso-review", json={"decision": "accepted"})
                self.actors["operator"].post(f"/prequalifications/{attempt['id']}/operator-review",
                                             json={"decision": "accepted"})
        return fsp.post("/bidding-units", 201, json={"name": name, "asset_ids": asset_ids})["id"]

    def _dso_of(self, element_id: int) -> int:
        return self.actors["operator"].get(f"/grid/elements/{element_id}")["dso_id"]

    # ------------------------------------------------------------------ market steps
    def product(self, code: str) -> int:
        return {p["code"]: p["id"] for p in self.actors["operator"].get("/products?limit=100")["items"]}[code]

    def send(self, account, tx: dict) -> str:
        """Sign an unsigned transaction from the API with the wallet's key and send it."""
        w3 = self.chain.w3
        full = {"to": tx["to"], "data": tx["data"], "value": tx["value"], "chainId": tx["chain_id"],
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                "gas": w3.eth.estimate_gas({"from": account.address, "to": tx["to"], "data": tx["data"]}) * 6 // 5,
                "maxPriorityFeePerGas": 10**9,
                "maxFeePerGas": 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9}
        signed = account.sign_transaction(full)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
        if receipt["status"] != 1:
            raise DemoError(f"{tx['purpose']} reverted")
        return "0x" + bytes(tx_hash).hex()

    def publish(self, dso: Actor, body: dict) -> dict:
        """Submit, have the operator validate, escrow with the DSO's wallet, report: published."""
        request = dso.post("/requests", 201, json=body)
        self.actors["operator"].post(f"/requests/{request['id']}/validate")
        escrow = dso.get(f"/requests/{request['id']}/escrow")
        hashes = [self.send(dso.account, tx) for tx in escrow["transactions"]]
        for tx_hash in hashes[1:]:
            request = dso.post(f"/requests/{request['id']}/publish", json={"tx_hash": tx_hash})
        if request["status"] != "published":
            raise DemoError(f"request {request['id']} is {request['status']}")
        return request

    def bid(self, fsp: Actor, request: dict, terms: dict) -> dict:
        """Get the typed data, sign every leg with the FSP's wallet, submit."""
        prepared = fsp.post(f"/requests/{request['id']}/bids/typed-data", json={"terms": terms})
        signatures = {leg["leg"]: "0x" + bytes(Account.sign_typed_data(
            fsp.account.key, full_message=leg["typed_data"]).signature).hex() for leg in prepared["legs"]}
        bid = fsp.post(f"/requests/{request['id']}/bids", 201, json={
            "terms": terms, "signer": fsp.account.address, "signatures": signatures})
        if bid["void_reason"]:
            raise DemoError(f"{fsp.name}'s bid is void: {bid['void_reason']} ({bid['void_detail']})")
        return bid

    def qualify(self, fsp: Actor, request: dict, asset_id: int, power_w: int) -> None:
        q = fsp.post(f"/requests/{request['id']}/qualifications", 201,
                     json={"asset_id": asset_id, "qualified_power_w": power_w})
        for tx in q["deposit_transactions"]:
            self.send(fsp.account, tx)
        dso = next(a for a in self.actors.values() if a.participant_id == request["dso_id"])
        dso.post(f"/qualifications/{q['id']}/dso-review", json={"decision": "accepted"})
        self.actors["operator"].post(f"/qualifications/{q['id']}/operator-review", json={"decision": "accepted"})

    def close(self, session: dict) -> dict:
        self.travel_to(session["gate_close_at"] + 1)
        return self.actors["operator"].post(f"/sessions/{session['id']}/close-gate")

    def session(self, dso: Actor, market_id: int, *, horizon: str, mode: str, pricing: str, gate_open: int,
                gate_close: int, start: int, end: int) -> dict:
        return dso.post("/sessions", 201, json={
            "market_id": market_id, "horizon": horizon, "mode": mode, "pricing": pricing, "gate_open_at": gate_open,
            "gate_close_at": gate_close, "delivery_start": start, "delivery_end": end})

    def asset_ids(self, fsp: Actor, unit_id: int) -> list[int]:
        return fsp.get(f"/bidding-units/{unit_id}")["asset_ids"]

    # ------------------------------------------------------------------ the scenario
    def run(self) -> dict[str, Any]:
        self.say("starting a fresh local chain and database ...")
        self.start()
        self.t0 = self.now()
        self.day = (self.t0 // DAY + 2) * DAY
        self.say(f"chain {self.chain.chain_id}, market {self.market.market.address}; "
                 f"delivery day {datetime.fromtimestamp(self.day, UTC).date()}")
        self.onboard()
        self.supply_before = self.market.token.functions.totalSupply().call()
        self.italy()
        self.slovenia()
        self.spain()
        self.settle()
        return self.summary()

    def onboard(self) -> None:
        self.say("participants sign up with their wallets and are approved (roles granted on chain) ...")
        self.join("dso_it", 1, "dso", "e-distribuzione demo", "IT")
        self.join("dso_si", 2, "dso", "Elektro Primorska demo", "SI")
        self.join("dso_es", 3, "dso", "i-DE demo", "ES")
        for k, name in enumerate(("cpo_1", "cpo_2", "cpo_3")):
            self.join(name, 4 + k, "fsp", f"EMOT CPO {k + 1}", "IT", "cpo")
        self.join("kol", 7, "fsp", "Kolektor sETup demo", "SI", "aggregator")
        self.join("epr", 8, "fsp", "Energy community demo", "SI", "energy_community")
        self.join("dca", 9, "fsp", "DCA customer demo", "SI", "prosumer")
        self.join("age1", 10, "fsp", "AGE1_LP demo", "ES", "aggregator")
        self.join("age2", 11, "fsp", "AGE2_LP demo", "ES", "aggregator")
        self.join("oracle", ORACLE_INDEX, "meter_oracle", "Meter oracle demo", "ES")

    def italy(self) -> None:
        self.say("Italy: a DSO request at transformer 19, three CPO offers, the DSO picks one ...")
        dso = self.actors["dso_it"]
        grid = self.grid(dso, "IT")
        units = {}
        for k, name in enumerate(("cpo_1", "cpo_2", "cpo_3")):
            units[name] = self.unit(self.actors[name], grid["lv_feeder"], [f"CS-{2 * k:04d}", f"CS-{2 * k + 1:04d}"],
                                    "EV_charging", f"{name} stations", 22_000, [("st_energy", "up")])
        market = dso.post("/markets", 201, json={"name": "Trafo 19", "grid_element_id": grid["mv_lv_substation"],
                                                  "valid_from": 0, "valid_until": 4_000_000_000,
                                                  "product_ids": [self.product("ENG_ST_UP_15MIN")]})
        start = self.day + 18 * HOUR
        session = self.session(dso, market["id"], horizon="short_term", mode="manual_pick", pricing="pay_as_bid",
                               gate_open=self.now(), gate_close=self.now() + HOUR, start=start, end=start + 2 * Q)
        request = self.publish(dso, {"session_id": session["id"], "product": "ENG_ST_UP_15MIN",
                                     "price_cap_per_mwh": 200 * EUR, "intervals": [
                                         {"start": start, "quantity_wh": 4_000}, {"start": start + Q, "quantity_wh": 4_000}]})
        offers = {}
        for name, price in (("cpo_1", 150), ("cpo_2", 120), ("cpo_3", 180)):
            offers[name] = self.bid(self.actors[name], request, {
                "version": 1, "bidding_unit_id": units[name], "divisible": False, "price_per_mwh": price * EUR,
                "intervals": [{"start": start, "quantity_wh": 4_000}, {"start": start + Q, "quantity_wh": 4_000}]})
        self.close(session)
        seen = dso.get(f"/bids?request_id={request['id']}")["items"]
        cheapest = min(seen, key=lambda b: b["price_per_mwh"])
        picked = dso.post(f"/requests/{request['id']}/pick", json={"bid_ids": [cheapest["id"]], "by": "wallet"})
        for tx in picked["transactions"]:
            tx_hash = self.send(dso.account, tx)
            dso.post(f"/requests/{request['id']}/awarded", json={"tx_hash": tx_hash})
        self.index()
        self.flows["italy"] = {"requests": [request["id"]], "bids": [b["id"] for b in offers.values()],
                               "offers_seen_by_dso": len(seen), "picked_bid": cheapest["id"]}

    def slovenia(self) -> None:
        self.say("Slovenia: a long-term availability auction (pay-as-clear), activations, "
                 "then a short-term session in orange with a DCA bid ...")
        dso = self.actors["dso_si"]
        grid = self.grid(dso, "SI")
        kol, epr, dca = self.actors["kol"], self.actors["epr"], self.actors["dca"]
        lt_products = [("lt_availability", "up"), ("st_energy", "up")]
        units = {
            "kol_a": self.unit(kol, grid["lv_feeder"], ["BAT-0000", "BAT-0001"], "battery", "KOL A", 8_000, lt_products),
            "kol_b": self.unit(kol, grid["lv_feeder"], ["BAT-0002", "BAT-0003"], "battery", "KOL B", 8_000, lt_products),
            "epr": self.unit(epr, grid["lv_feeder"], ["BAT-0004", "BAT-0005"], "battery", "EPR", 8_000, lt_products),
            "dca": self.unit(dca, grid["lv_feeder"], ["BAT-0006", "BAT-0007"], "battery", "DCA", 8_000,
                             [("st_energy", "up")]),
        }
        dso.call("PUT", f"/grid/elements/{grid['mv_lv_substation']}/traffic-light", json={"state": "orange"})
        market = dso.post("/markets", 201, json={
            "name": "RTP Cernigoj", "grid_element_id": grid["mv_lv_substation"], "valid_from": 0,
            "valid_until": 4_000_000_000,
            "product_ids": [self.product("PWR_LT_UP_WEEKLY"), self.product("ENG_ST_UP_15MIN")]})
        now = self.now()
        lt = self.session(dso, market["id"], horizon="long_term", mode="auction", pricing="pay_as_clear",
                          gate_open=now + HOUR, gate_close=now + 2 * HOUR, start=self.day, end=self.day + DAY)
        date = datetime.fromtimestamp(self.day, UTC).date().isoformat()
        request = self.publish(dso, {
            "session_id": lt["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 16_000,
            "price_cap_per_mwh": 300 * EUR, "availability_price_cap_per_mw_h": 30 * EUR,
            "estimated_activation_hours": 1, "minimal_lead_time_s": 0, "service_window": {
                "start_date": date, "end_date": date, "days": "1234567", "start_period_s": 6 * HOUR,
                "end_period_s": 10 * HOUR, "timezone": "UTC", "bank_holidays_included": True}})
        for fsp, unit in ((kol, "kol_a"), (kol, "kol_b"), (epr, "epr")):
            self.qualify(fsp, request, self.asset_ids(fsp, units[unit])[0], 8_000)
        self.travel_to(lt["gate_open_at"] + 1)
        bids = [
            self.bid(kol, request, {"version": 1, "bidding_unit_id": units["kol_a"], "divisible": False,
                                    "capacity_w": 8_000, "availability_price_per_mw_h": 20 * EUR,
                                    "price_per_mwh": 150 * EUR, "rest_time_s": HOUR, "max_consecutive_activations": 1}),
            self.bid(kol, request, {"version": 1, "bidding_unit_id": units["kol_b"], "divisible": False,
                                    "capacity_w": 8_000, "availability_price_per_mw_h": 25 * EUR,
                                    "price_per_mwh": 100 * EUR, "rest_time_s": HOUR, "max_consecutive_activations": 1}),
            self.bid(epr, request, {"version": 1, "bidding_unit_id": units["epr"], "divisible": False,
                                    "capacity_w": 8_000, "availability_price_per_mw_h": 28 * EUR,
                                    "price_per_mwh": 250 * EUR}),
        ]
        self.close(lt)
        agreements = {a["bidding_unit_id"]: a for a in dso.get(f"/agreements?request_id={request['id']}&kind=availability")["items"]}
        # activations within the service window (each respecting the bids' rest time)
        activations = []
        plan = [(units["kol_a"], 7 * HOUR, 2, 100), (units["kol_b"], 7 * HOUR, 1, 100),
                (units["kol_b"], 8 * HOUR + 30 * 60, 1, 40)]
        for unit_id, offset, quarters, delivery_pct in plan:
            if unit_id not in agreements:
                continue
            t = self.day + offset
            act = dso.post(f"/agreements/{agreements[unit_id]['id']}/activations", 201, json={"intervals": [
                {"start": t + k * Q, "quantity_wh": 1_000} for k in range(quarters)]})
            activations.append((act, delivery_pct))
        self.activations = getattr(self, "activations", []) + activations
        # a short-term auction for the same requirement, under the orange light
        now = self.now()
        start = self.day + 9 * HOUR
        st = self.session(dso, market["id"], horizon="short_term", mode="auction", pricing="pay_as_clear",
                          gate_open=now, gate_close=now + HOUR, start=start, end=start + 2 * Q)
        st_request = self.publish(dso, {"session_id": st["id"], "product": "ENG_ST_UP_15MIN",
                                        "price_cap_per_mwh": 300 * EUR, "lt_request_id": request["id"], "intervals": [
                                            {"start": start, "quantity_wh": 3_000},
                                            {"start": start + Q, "quantity_wh": 3_000}]})
        winner = next(iter(agreements))
        holder = kol if winner in (units["kol_a"], units["kol_b"]) else epr
        st_bids = [
            self.bid(holder, st_request, {"version": 1, "bidding_unit_id": winner, "divisible": True,
                                          "min_quantity_wh": 1_000, "price_per_mwh": 100 * EUR, "intervals": [
                                              {"start": start, "quantity_wh": 2_000},
                                              {"start": start + Q, "quantity_wh": 2_000}]}),
            self.bid(dca, st_request, {"version": 1, "bidding_unit_id": units["dca"], "divisible": False,
                                       "kind": "dca", "dca_code": "DCA-SI-1", "price_per_mwh": 90 * EUR, "intervals": [
                                           {"start": start, "quantity_wh": 2_000},
                                           {"start": start + Q, "quantity_wh": 2_000}]}),
        ]
        self.close(st)
        self.index()
        self.flows["slovenia"] = {"requests": [request["id"], st_request["id"]],
                                  "bids": [b["id"] for b in bids + st_bids],
                                  "activations": [a["id"] for a, _ in activations],
                                  "st_kinds": [b["kind"] for b in st_bids]}

    def spain(self) -> None:
        self.say("Spain: a long-term availability auction, pay-as-bid ...")
        dso = self.actors["dso_es"]
        grid = self.grid(dso, "ES")
        age1, age2 = self.actors["age1"], self.actors["age2"]
        lt_products = [("lt_availability", "up")]
        u1 = self.unit(age1, grid["lv_feeder"], ["BAT-0008", "BAT-0009"], "battery", "UOL1_AGE1", 8_000, lt_products)
        u2 = self.unit(age2, grid["lv_feeder"], ["BAT-0010", "BAT-0011"], "battery", "UOL3_AG1", 8_000, lt_products)
        zone = dso.post("/zones", 201, json={"name": "Crevillent", "province": "Alicante", "postal_codes": ["28012"]})
        market = dso.post("/markets", 201, json={"name": "Crevillent LT", "zone_id": zone["id"], "valid_from": 0,
                                                  "valid_until": 4_000_000_000,
                                                  "product_ids": [self.product("PWR_LT_UP_WEEKLY")]})
        now = self.now()
        lt = self.session(dso, market["id"], horizon="long_term", mode="auction", pricing="pay_as_bid",
                          gate_open=now + HOUR, gate_close=now + 2 * HOUR, start=self.day, end=self.day + DAY)
        date = datetime.fromtimestamp(self.day, UTC).date().isoformat()
        request = self.publish(dso, {
            "session_id": lt["id"], "product": "PWR_LT_UP_WEEKLY", "required_power_w": 8_000,
            "price_cap_per_mwh": 30 * EUR, "availability_price_cap_per_mw_h": 25 * EUR,
            "estimated_activation_hours": 1, "service_window": {
                "start_date": date, "end_date": date, "start_period_s": 12 * HOUR, "end_period_s": 16 * HOUR}})
        self.qualify(age1, request, self.asset_ids(age1, u1)[0], 8_000)
        self.qualify(age2, request, self.asset_ids(age2, u2)[0], 4_000)
        self.travel_to(lt["gate_open_at"] + 1)
        bids = [self.bid(age1, request, {"version": 1, "bidding_unit_id": u1, "divisible": False, "capacity_w": 8_000,
                                         "availability_price_per_mw_h": 10 * EUR, "price_per_mwh": 20 * EUR}),
                self.bid(age2, request, {"version": 1, "bidding_unit_id": u2, "divisible": False, "capacity_w": 4_000,
                                         "availability_price_per_mw_h": 20 * EUR, "price_per_mwh": 10 * EUR})]
        self.close(lt)
        (availability,) = dso.get(f"/agreements?request_id={request['id']}&kind=availability")["items"]
        act = dso.post(f"/agreements/{availability['id']}/activations", 201, json={"intervals": [
            {"start": self.day + 13 * HOUR + k * Q, "quantity_wh": 1_000} for k in range(2)]})
        self.activations.append((act, 100))
        self.index()
        self.flows["spain"] = {"requests": [request["id"]], "bids": [b["id"] for b in bids], "activations": [act["id"]]}

    # ------------------------------------------------------------------ settlement
    def settle(self) -> None:
        """The meters deliver (the deterministic simulator, responding to every agreement and
        activation), the meter data provider pushes the day's readings as CSV through the API,
        and the meter oracle worker judges them and attests on chain with its own key."""
        from oracle import simulator
        from oracle.worker import OracleWorker

        self.say("settlement: simulated meters, readings pushed to the market, the oracle judges and attests ...")
        oracle = self.actors["oracle"]
        agreements = oracle.get("/agreements?limit=1000")["items"]
        energy = [a for a in agreements if a["kind"] == "energy"]
        activations = [(oracle.get(f"/activations/{a['id']}"), pct) for a, pct in self.activations]
        sim_activations = [simulator.Activation(tuple(a["meter_ids"]), a["direction"],
                                                tuple((i["start"], i["quantity_wh"]) for i in a["intervals"]), 100)
                           for a in energy]
        sim_activations += [simulator.Activation(tuple(a["meter_ids"]), a["direction"],
                                                 tuple((i["start"], i["quantity_wh"]) for i in a["intervals"]), pct)
                            for a, pct in activations]
        simulation = simulator.simulate({"charging_station": 6, "battery": 12}, seed=7, start=self.day, days=1,
                                        activations=sim_activations)
        csv_text = io.StringIO()
        simulation.write_csv(csv_text)
        pushed = oracle.post("/meter-data", 201, data=csv_text.getvalue().encode(), content_type="text/csv")
        self.travel_to(max(a["delivery_end"] for a in agreements) + 60)
        worker = OracleWorker(self.services.database, self.chain, self.market.deployment,
                              devkeys.dev_account(ORACLE_INDEX))
        report = worker.run_once()
        if report.pending or report.failed or report.expired:
            raise DemoError(f"the oracle could not settle everything: pending {report.pending}, "
                            f"failed {report.failed}, expired {report.expired}")
        self.oracle_report = {"readings_stored": pushed["stored"], "activations_judged": report.activations_judged,
                              "attested": len(report.attested)}
        per_agreement: dict[int, list[tuple[int, int, bool]]] = {}
        for act, _pct in activations:
            judged = oracle.get(f"/activations/{act['id']}")
            per_agreement.setdefault(act["agreement_id"], []).append(
                (judged["total_wh"], judged["delivered_wh"], judged["success"]))
        self.activation_results = per_agreement
        self.index()

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, Any]:
        from marketplace.market import reconcile

        operator = self.actors["operator"]
        agreements = operator.get("/agreements?limit=1000")["items"]
        requests = operator.get("/requests?limit=1000")["items"]
        bids = operator.get("/bids?limit=1000")["items"]
        refunds_award = sum(leg["refund"] or 0 for r in requests for leg in r["legs"])
        with self.services.database.new_session(writes=False) as s:
            differences = [str(d) for d in reconcile.reconcile(s, self.market, strict=True)]
        supply_after = self.market.token.functions.totalSupply().call()
        rows = []
        for a in agreements:
            flow = next((name for name, f in self.flows.items() if a["request_id"] in f["requests"]), "?")
            rows.append({"flow": flow, "request_id": a["request_id"], "agreement_id": a["agreement_id"],
                         "kind": a["kind"], "fsp_address": a["fsp_address"], "quantity_wh": a["quantity_wh"],
                         "price_per_mwh": a["price_per_mwh"], "amount": a["amount"], "status": a["status"],
                         "delivered_wh": a["delivered_wh"], "success": a["success"], "payment": a["payment"],
                         "penalty": a["penalty"], "refund": a["refund"]})
        return {
            "chain_id": self.chain.chain_id, "market": self.market.market.address,
            "requests": len(requests), "bids": len(bids), "agreements": len(agreements),
            "settled": sum(1 for a in agreements if a["status"] == "settled"),
            "paid_total": sum(a["payment"] or 0 for a in agreements),
            "refunded_total": refunds_award + sum(a["refund"] or 0 for a in agreements),
            "refunded_at_award": refunds_award,
            "penalties_total": sum(a["penalty"] or 0 for a in agreements),
            "token_supply_before": int(self.supply_before), "token_supply_after": int(supply_after),
            "reconcile_differences": differences, "flows": self.flows, "agreement_rows": rows,
            "activation_results": {str(k): v for k, v in self.activation_results.items()},
            "oracle": self.oracle_report,
            "settlement_note": "meter data from oracle.simulator pushed as CSV through POST /api/v1/meter-data; "
                               "verdicts and attestations by the meter oracle worker (oracle.worker) with the dev "
                               "chain's METER_ORACLE key",
        }


def table(result: dict[str, Any]) -> str:
    """The summary as a readable text table (amounts in EUR, energy in kWh)."""
    def eur(base: int | None) -> str:  # base units as EUR with cents (rounded down), integers only
        return "" if base is None else f"{base // EUR:,}.{base % EUR // 10_000:02d}"

    def kwh(wh: int | None) -> str:
        return "" if wh is None else f"{wh // 1000:,}.{wh % 1000 // 100}"

    head = f"{'flow':<9} {'req':>4} {'kind':<12} {'ordered kWh':>11} {'price/MWh':>10} {'amount':>9} " \
           f"{'delivered':>9} {'ok':>3} {'paid':>8} {'penalty':>8} {'refund':>8}"
    lines = [head, "-" * len(head)]
    for r in result["agreement_rows"]:
        lines.append(f"{r['flow']:<9} {r['request_id']:>4} {r['kind']:<12} {kwh(r['quantity_wh']):>11} "
                     f"{eur(r['price_per_mwh']):>10} {eur(r['amount']):>9} {kwh(r['delivered_wh']):>9} "
                     f"{'yes' if r['success'] else 'no':>3} {eur(r['payment']):>8} {eur(r['penalty']):>8} "
                     f"{eur(r['refund']):>8}")
    lines.append("-" * len(head))
    lines.append(f"requests {result['requests']}, bids {result['bids']}, agreements {result['agreements']}, "
                 f"settled {result['settled']}; paid EUR {eur(result['paid_total'])}, refunded EUR "
                 f"{eur(result['refunded_total'])}, penalties EUR {eur(result['penalties_total'])}")
    lines.append(f"token supply before {eur(result['token_supply_before'])} / after "
                 f"{eur(result['token_supply_after'])} EUR; reconcile: "
                 f"{'clean' if not result['reconcile_differences'] else result['reconcile_differences']}")
    return "\n".join(lines)


@click.command()
@click.option("--json", "json_path", default=None, help="Write the summary (and details) as JSON here.")
@click.option("--keep", is_flag=True, help="Keep the temporary instance folder (database, deployment).")
@click.option("--instance", "instance_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Use this new folder for the instance (database, deployment) and keep it.")
def demo(json_path: str | None, keep: bool, instance_dir: Path | None) -> None:
    """Run the Italian, Slovenian and Spanish flows end to end on a fresh local chain and database,
    headless, and print a summary table (exit 0 when everything went as scripted)."""
    if instance_dir is not None:
        if instance_dir.exists() and any(instance_dir.iterdir()):
            raise click.ClickException(f"{instance_dir} is not empty: the demo needs a fresh instance folder")
        instance_dir.mkdir(parents=True, exist_ok=True)
        keep = True
    root = instance_dir or Path(tempfile.mkdtemp(prefix="flexmarket-demo-"))
    scenario = Demo(root, say=lambda msg: click.echo(msg, err=True))
    try:
        result = scenario.run()
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        scenario.stop()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    click.echo(table(result))
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=1))
    if result["reconcile_differences"]:
        sys.exit(1)

