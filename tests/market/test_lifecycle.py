"""The whole lifecycle through the API on a real anvil node, on SQLite and PostgreSQL: market,
session, request, validation, the DSO's escrow, signed bids, gate closure (book committed,
clearing, award on chain), agreements, results per role, the indexer's mirror and reconcile."""

from __future__ import annotations

import pytest

from marketplace import settlement
from marketplace.market import canonical
from marketplace.market import reconcile as check
from tests.market import flow

pytestmark = pytest.mark.anvil


def test_short_term_auction_from_request_to_agreements_on_chain(api, mworld, chain_market, services, indexer):
    chain = chain_market.chain
    now = chain.timestamp()
    m = flow.market(api, mworld, products=["ENG_ST_UP_15MIN"], name="TR-19 short term")
    sess = flow.session(api, m["id"], now, pricing="pay_as_clear")
    start = sess["delivery_start"]
    req = flow.request(api, sess, "ENG_ST_UP_15MIN", intervals=[(start, 100_000), (start + 900, 80_000)],
                       cap=250_000_000)
    assert req["status"] == "submitted" and req["legs"] == []
    assert api(None).get(f"/requests/{req['id']}", 404)  # not public before publication
    published = flow.validate_and_publish(api, mworld, chain, req)
    (leg,) = published["legs"]
    assert leg["status"] == "created" and leg["terms"]["quantityWh"] == 180_000
    assert leg["terms"]["ref"] == canonical.keccak_hex(
        canonical.canonical_json({**__import__("json").loads(_canonical(services, req["id"])), "leg": "energy"}))
    assert api(None).get(f"/requests/{req['id']}")["status"] == "published"
    # three FSPs bid
    a = flow.bid(api, mworld, chain_market, published, "fsp_a", "fsp_a_unit0", price=120_000_000, divisible=True,
                 min_quantity_wh=10_000, intervals=[(start, 60_000), (start + 900, 60_000)])
    b = flow.bid(api, mworld, chain_market, published, "fsp_b", "fsp_b_unit0", price=150_000_000,
                 intervals=[(start, 30_000), (start + 900, 30_000)], kind="dca", dca_code="DCA-7")
    c = flow.bid(api, mworld, chain_market, published, "fsp_c", "fsp_c_unit0", price=200_000_000, divisible=True,
                 min_quantity_wh=20_000, intervals=[(start + 900, 20_000)])
    assert a["void_reason"] is b["void_reason"] is c["void_reason"] is None
    assert [x["kind"] for x in (a, b, c)] == ["st", "dca", "st"]
    # the gate closes: book committed, cleared, awarded
    api("operator").post(f"/sessions/{sess['id']}/close-gate", 409)
    chain.travel(sess["gate_close_at"] - chain.timestamp() + 1)
    closed = api("operator").post(f"/sessions/{sess['id']}/close-gate")
    assert closed["session"]["status"] == "awarded" and closed["session"]["traffic_light"] == "orange"
    (row,) = closed["requests"]
    assert row["leg_status"] == "awarded" and row["book_size"] == 3 and row["awarded_wh"] == 170_000
    # 05:30 a 60 + b 30 (= 90 of 100); 05:45 b's 30 indivisible, a cut to 50; c not selected;
    # pay-as-clear: the last accepted price (b's 150) in both quarter-hours
    agreements = {x["bid_id"]: x for x in api("dso").get(f"/agreements?request_id={req['id']}")["items"]}
    assert set(agreements) == {a["id"], b["id"]}
    ga, gb = agreements[a["id"]], agreements[b["id"]]
    assert (ga["quantity_wh"], gb["quantity_wh"]) == (110_000, 60_000)
    assert [i["quantity_wh"] for i in ga["intervals"]] == [60_000, 50_000]
    assert ga["price_per_mwh"] == gb["price_per_mwh"] == 150_000_000
    for g in (ga, gb):
        assert g["status"] == "active" and g["kind"] == "energy" and g["meter_ids"]
        assert sum(i["quantity_wh"] for i in g["intervals"]) == g["quantity_wh"]
        stored = "0x" + bytes(chain.call(chain_market.market.functions.agreementHash(
            bytes.fromhex(g["agreement_id"][2:])))).hex()
        from marketplace.models import Agreement
        with services.database.new_session(writes=False) as s:
            struct = s.get(Agreement, g["id"]).chain_struct()
        assert stored == canonical.agreement_hash(struct.as_tuple())
        assert g["price_per_mwh"] >= 120_000_000 and g["price_per_mwh"] <= 250_000_000
    # results per role: the DSO sees matched bids only, each FSP its own, the public aggregates
    dso_rows = api("dso").get(f"/sessions/{sess['id']}/results")["items"]
    assert {r["bid_id"] for r in dso_rows} == {a["id"], b["id"]}
    c_rows = api("fsp_c").get(f"/sessions/{sess['id']}/results")["items"]
    assert [(r["bid_id"], r["outcome"]) for r in c_rows] == [(c["id"], "rejected")]
    public = api(None).get(f"/sessions/{sess['id']}/results")
    assert public["items"][0]["awarded_wh"] == 170_000 and public["items"][0]["winners"] == 2
    assert "bid_id" not in public["items"][0]
    assert api("dso").get(f"/bids/{c['id']}", 404)
    csv_text = api("dso").get(f"/sessions/{sess['id']}/results?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("request_id,bid_id")
    # the indexer mirrors credits and the refund; reconcile finds nothing
    indexer.poll()
    leg_after = api("dso").get(f"/requests/{req['id']}")["legs"][0]
    escrow = settlement.payment(250_000_000, 180_000)
    assert leg_after["refund"] == escrow - leg_after["agreed"]
    with services.database.new_session(writes=False) as s:
        assert check.reconcile(s, chain_market) == []
    assert chain_market.credit_of(mworld.accounts["dso"].address) >= leg_after["refund"]


def _canonical(services, request_id: int) -> str:
    from marketplace.models import FlexRequest

    with services.database.new_session(writes=False) as s:
        return s.get(FlexRequest, request_id).canonical
