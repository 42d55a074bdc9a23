"""Results after an auction through the API on anvil: the 7/14/30-day history windows,
incremental schedules per bidding unit, quarter-hour and zone, the trade/order history of seed
fig. 47, and the CSV export of each view (the same rows as the JSON)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000


def _csv(reply) -> list[dict[str, str]]:
    assert reply.mimetype == "text/csv" and "attachment" in reply.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))


def _flat(value) -> str:
    return "" if value is None else ";".join(map(str, value)) if isinstance(value, list) else str(value)


def _same(rows_json: list[dict], rows_csv: list[dict[str, str]]) -> None:
    assert len(rows_json) == len(rows_csv)
    for j, c in zip(rows_json, rows_csv):
        assert {k: _flat(v) for k, v in j.items()} == {k: v for k, v in c.items() if k in j}


@pytest.fixture(scope="module")
def auction(api, mworld, chain_market):
    """A pay-as-bid auction: A wins 2 x 20 kWh at 120, B 2 x 10 kWh at 150, C is not selected."""
    sess, req = flow.st_auction(api, mworld, chain_market, "results", quantities=(30_000, 30_000))
    start = req["delivery_start"]
    bids = {
        "a": flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=120 * EUR,
                      intervals=[(start, 20_000), (start + 900, 20_000)]),
        "b": flow.bid(api, mworld, chain_market, req, "fsp_b", "fsp_b_unit0", price=150 * EUR, divisible=True,
                      min_quantity_wh=5_000, intervals=[(start, 20_000), (start + 900, 20_000)]),
        "c": flow.bid(api, mworld, chain_market, req, "fsp_c", "fsp_c_unit0", price=200 * EUR,
                      intervals=[(start, 20_000)]),
    }
    flow.close(api, chain_market.chain, sess)
    return sess, req, bids


def test_history_windows_of_7_14_and_30_days(api, auction):
    _, req, bids = auction
    today = datetime.now(UTC).date()

    def mine(who: str, day, days: int) -> list[dict]:
        rows = api(who).get(f"/results/history?date={day.isoformat()}&days={days}")["items"]
        return [r for r in rows if r["request_id"] == req["id"]]

    rows = mine("fsp_a", today, 7)
    assert [(r["agent"], r["quantity_wh"], r["price_per_mwh"], r["kind"]) for r in rows] == [
        ("Agregador A", 40_000, 120 * EUR, "energy")]
    assert rows[0]["date"] == today.isoformat() and rows[0]["amount"] == 120 * 40_000
    assert len(mine("dso", today, 7)) == 2 and mine("fsp_c", today, 30) == []
    assert mine("fsp_a", today - timedelta(days=1), 30) == []  # the window ends before today
    week_ahead = today + timedelta(days=7)
    assert mine("dso", week_ahead, 7) == []  # today is 8 days before the window's end
    assert len(mine("dso", week_ahead, 14)) == 2
    assert mine("dso", today + timedelta(days=30), 30) == [] and len(mine("dso", today + timedelta(days=29), 30)) == 2
    summary = api("dso").get(f"/results/history?date={today.isoformat()}&days=14")["summary"]
    assert summary["days"] == 14 and summary["to"] - summary["from"] == 14 * 86_400
    api("dso").get("/results/history?days=10", 400)
    public = [r for r in api(None).get(f"/results/history?date={today.isoformat()}&days=30")["items"]
              if r["date"] == today.isoformat() and r["kind"] == "energy"]
    assert public and public[0]["transactions"] >= 2 and public[0]["quantity_wh"] >= 60_000
    full = api("dso").get(f"/results/history?date={today.isoformat()}&days=7")["items"]
    _same(full, _csv(api("dso").get(f"/results/history?date={today.isoformat()}&days=7&format=csv")))


def test_incremental_schedules_per_unit_quarter_hour_and_zone(api, mworld, auction):
    sess, req, bids = auction
    start = req["delivery_start"]
    rows = api("dso").get(f"/results/schedules?session_id={sess['id']}")["items"]
    got = sorted((r["start"], r["bidding_unit_id"], r["increment_wh"], r["zone"], r["source"]) for r in rows)
    assert got == sorted([(start, mworld["fsp_a_unit0"], 20_000, "TR-19", "trade"),
                          (start + 900, mworld["fsp_a_unit0"], 20_000, "TR-19", "trade"),
                          (start, mworld["fsp_b_unit0"], 10_000, "TR-19", "trade"),
                          (start + 900, mworld["fsp_b_unit0"], 10_000, "TR-19", "trade")])
    first = datetime.fromtimestamp(start, UTC)
    assert {r["period"] for r in rows if r["start"] == start} == {first.strftime("%H:%M")}
    assert all(r["date"] == first.date().isoformat() and r["direction"] == "up" for r in rows)
    own = api("fsp_b").get(f"/results/schedules?session_id={sess['id']}")["items"]
    assert {r["bidding_unit_id"] for r in own} == {mworld["fsp_b_unit0"]} and len(own) == 2
    assert api("fsp_c").get(f"/results/schedules?session_id={sess['id']}")["items"] == []
    at_element = api("dso").get(f"/results/schedules?session_id={sess['id']}&grid_element_id={mworld['mv_lv_substation']}")
    assert len(at_element["items"]) == 4
    assert api("dso").get(f"/results/schedules?session_id={sess['id']}&grid_element_id={mworld['lv_feeder']}")[
        "items"] == []
    assert api("dso").get(f"/results/schedules?session_id={sess['id']}&zone_id={mworld['zone']}")["items"] == []
    day = first.date()
    assert len(api("dso").get(f"/results/schedules?session_id={sess['id']}&date={day.isoformat()}")["items"]) == 4
    assert api("dso").get(f"/results/schedules?session_id={sess['id']}&date={(day + timedelta(days=1)).isoformat()}")[
        "items"] == []
    _same(rows, _csv(api("dso").get(f"/results/schedules?session_id={sess['id']}&format=csv")))


def test_trade_and_order_history_and_its_csv(api, mworld, auction):
    sess, req, bids = auction
    rows = api("operator").get(f"/trades?session_id={sess['id']}")["items"]
    orders = {r["id"]: r for r in rows if r["transaction_type"] == "Order"}
    trades = [r for r in rows if r["transaction_type"] == "Trade"]
    assert set(orders) == {f"O{b['id']}" for b in bids.values()}
    a = orders[f"O{bids['a']['id']}"]
    assert (a["trade_status"], a["order_type"], a["position"], a["quantity"], a["quantity_unit"], a["price"],
            a["market_participant"], a["market_session"], a["product"]) == (
        "ACCEPTED", "All-or-none", "Sell", 80_000, "W", 120 * EUR, "Agregador A", sess["code"], "ENG_ST_UP_15MIN")
    assert orders[f"O{bids['b']['id']}"]["order_type"] == "Partial"
    assert orders[f"O{bids['c']['id']}"]["trade_status"] == "REJECTED"
    assert sorted((t["market_participant"], t["quantity"], t["price"], t["trade_status"]) for t in trades) == [
        ("Agregador A", 40_000, 120 * EUR, "APPROVED"), ("CPO B", 20_000, 150 * EUR, "APPROVED")]
    only_trades = api("operator").get(f"/trades?session_id={sess['id']}&type=trade")["items"]
    assert [r["id"] for r in only_trades] == [t["id"] for t in trades]
    assert {r["transaction_type"] for r in api("operator").get(f"/trades?session_id={sess['id']}&type=order")[
        "items"]} == {"Order"}
    assert [r["id"] for r in api("fsp_b").get(f"/trades?session_id={sess['id']}")["items"]] == [
        f"O{bids['b']['id']}", trades[[t["market_participant"] for t in trades].index("CPO B")]["id"]]
    exported = _csv(api("operator").get(f"/trades?session_id={sess['id']}&format=csv"))
    assert list(exported[0])[:4] == ["id", "market_session", "order_code", "transaction_type"]
    _same(rows, exported)
