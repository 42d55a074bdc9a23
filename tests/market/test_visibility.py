"""Who sees which bid, before and after results (seed 3.2.2.7, 3.2.3.7): an FSP only its own,
the DSO never an unmatched bid, the operator every bid once the gate has closed, the public
only aggregates — through every route that shows bids (bids, results, trades, agreements)."""

from __future__ import annotations

import pytest

from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000
PRIVATE_KEYS = {"bid_id", "fsp_id", "agent", "bidding_unit", "bidding_unit_id", "bid_price_per_mwh"}


def _ids(rows) -> set[int]:
    return {r["id"] if "id" in r and isinstance(r["id"], int) else r["bid_id"] for r in rows}


def test_each_role_sees_only_what_it_may(api, mworld, chain_market):
    sess, req = flow.st_auction(api, mworld, chain_market, "visibility", quantities=(40_000, 40_000))
    start = req["delivery_start"]
    iv = [(start, 20_000), (start + 900, 20_000)]
    a = flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=120 * EUR, intervals=iv)
    b = flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit0", price=150 * EUR, intervals=iv)
    c = flow.bid(api, mworld, chain_market, req, "fsp_c", "fsp_c_unit0", price=200 * EUR, intervals=iv)
    bids = f"/bids?request_id={req['id']}"
    results = f"/sessions/{sess['id']}/results"
    trades = f"/trades?session_id={sess['id']}"

    # before the gate closes: each FSP its own bid; nobody else any
    for fsp, own in (("fsp_a", a), ("fsp_b", b), ("fsp_c", c)):
        assert _ids(api(fsp).get(bids)["items"]) == {own["id"]}
        assert [r["id"] for r in api(fsp).get(trades)["items"]] == [f"O{own['id']}"]
        for other in {a["id"], b["id"], c["id"]} - {own["id"]}:
            api(fsp).get(f"/bids/{other}", 404)
    for who in ("dso", "operator", "dso2"):
        assert api(who).get(bids)["items"] == []
        api(who).get(f"/bids/{a['id']}", 404)
    assert api("dso").get(trades)["items"] == [] and api("dso").get(results)["items"] == []
    assert api("oracle").get(bids, 403)["code"] == "role_not_allowed"
    for path in (bids, f"/bids/{a['id']}", trades, "/agreements"):
        api(None).get(path, 401)
    assert api(None).get(results)["items"] == []

    flow.close(api, chain_market.chain, sess)

    # the DSO: only the matched bids, everywhere
    assert _ids(api("dso").get(bids)["items"]) == {a["id"], b["id"]}
    api("dso").get(f"/bids/{c['id']}", 404)
    dso_results = api("dso").get(results)["items"]
    assert {(r["bid_id"], r["outcome"]) for r in dso_results} == {(a["id"], "accepted"), (b["id"], "accepted")}
    assert {r["id"] for r in api("dso").get(f"{trades}&type=order")["items"]} == {f"O{a['id']}", f"O{b['id']}"}
    assert len(api("dso").get(f"/agreements?request_id={req['id']}")["items"]) == 2
    dso_csv = api("dso").get(f"{results}?format=csv").get_data(as_text=True)
    assert f"\n{req['id']},{c['id']}," not in dso_csv and f"\n{req['id']},{a['id']}," in dso_csv
    # another DSO sees nothing of it
    assert api("dso2").get(bids)["items"] == [] and api("dso2").get(results)["items"] == []
    assert api("dso2").get(f"/agreements?request_id={req['id']}")["items"] == []
    # each FSP its own bid, accepted or rejected, and nothing of the others
    mine = api("fsp_c").get(results)["items"]
    assert [(r["bid_id"], r["outcome"], r["reason"], r["allocated_wh"]) for r in mine] == [
        (c["id"], "rejected", "not_selected", 0)]
    (won,) = api("fsp_a").get(results)["items"]
    assert (won["bid_id"], won["outcome"], won["allocated_wh"], won["price_per_mwh"]) == (
        a["id"], "accepted", 40_000, 120 * EUR)
    assert api("fsp_c").get(f"/agreements?request_id={req['id']}")["items"] == []
    assert {r["id"] for r in api("fsp_c").get(trades)["items"]} == {f"O{c['id']}"}
    # the operator: every bid once the gate has closed
    assert _ids(api("operator").get(bids)["items"]) == {a["id"], b["id"], c["id"]}
    # the public: one aggregate row per request, no bid, bidder or unit
    public = api(None).get(results)
    (row,) = public["items"]
    assert not PRIVATE_KEYS & set(row)
    assert (row["request_id"], row["bids"], row["winners"], row["awarded_wh"]) == (req["id"], 3, 2, 80_000)
    assert row["average_price_per_mwh"] == 135 * EUR  # (120 x 40 + 150 x 40) / 80 kWh
    public_csv = api(None).get(f"{results}?format=csv").get_data(as_text=True).splitlines()
    assert not PRIVATE_KEYS & set(public_csv[0].split(",")) and len(public_csv) == 2
    history = api(None).get("/results/history")["items"]
    assert history and all(set(r) == {"date", "kind", "transactions", "quantity_wh", "amount"} for r in history)
