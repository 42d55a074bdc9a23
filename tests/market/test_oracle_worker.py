"""The meter oracle worker on a real anvil node (SQLite and PostgreSQL): simulated meters
(``oracle.feed``) deliver, the worker judges from the stored readings and attests on chain,
the indexer mirrors the settlement, the FSP withdraws its tokens; under-delivery, missing
readings, an expired deadline, a worker killed between send and receipt, and a 2-of-2 quorum.

Expected amounts are computed here from the settlement rules (ARCHITECTURE.md), not read
from the code under test.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.bridge.sender import TransactionSender
from marketplace.chain.client import Chain
from marketplace.models.chain import ChainTransaction
from marketplace.models.oracle import OracleVerdict
from oracle.feed import SimulatedMeterFeed
from oracle.worker import OracleWorker
from tests.market import flow

pytestmark = pytest.mark.anvil

PRICE = 180_000_000  # base units per MWh (EUR 180)
ORDERED = 1_000  # Wh per interval, two intervals: what one simulated home battery (>= 5 kW) can give
DAY = 86_400


def _awarded(api, mworld, chain_market, fsp: str) -> dict:
    """A short-term energy request the DSO awards by hand (operator sends the award) to ``fsp``."""
    chain = chain_market.chain
    # deliveries at about 11:00 UTC the next day, when the simulated batteries are charged
    chain.travel((chain.timestamp() // DAY + 1) * DAY + 9 * 3600 - chain.timestamp())
    now = chain.timestamp()
    m = flow.market(api, mworld, products=["ENG_ST_UP_15MIN"], name=f"Oracle trafo {now}")
    sess = flow.session(api, m["id"], now, mode="manual_pick")
    start = sess["delivery_start"]
    intervals = [(start, ORDERED), (start + 900, ORDERED)]
    req = flow.validate_and_publish(api, mworld, chain, flow.request(api, sess, "ENG_ST_UP_15MIN",
                                                                     intervals=intervals, cap=300_000_000))
    offer = flow.bid(api, mworld, chain_market, req, fsp, f"{fsp}_unit0", price=PRICE, intervals=intervals)
    chain.travel(sess["gate_close_at"] - chain.timestamp() + 1)
    api("operator").post(f"/sessions/{sess['id']}/close-gate")
    api("dso").post(f"/requests/{req['id']}/pick", json={"bid_ids": [offer["id"]]})
    (agreement,) = api("operator").get(f"/agreements?request_id={req['id']}")["items"]
    return agreement


def _after(chain_market, t: int) -> int:
    chain = chain_market.chain
    if chain.timestamp() < t:
        chain.travel(t - chain.timestamp())
    return chain.timestamp()


def _worker(services, chain_market, account) -> OracleWorker:
    chain = Chain.connect(chain_market.chain.w3.provider.endpoint_uri, poll_latency=0.005)
    return OracleWorker(services.database, chain, chain_market.deployment, account)


def _expected(delivered: int, ordered: int, guarantee: int) -> tuple[bool, int, int]:
    success = delivered * 100 >= ordered * 80
    payment = PRICE * min(delivered, ordered) // 1_000_000 if success else 0
    penalty = 0 if success else min(10 * PRICE * (ordered - delivered) // 100_000_000, guarantee)
    return success, payment, penalty


def _verdict(services, agreement_pk: int, oracle: str) -> OracleVerdict:
    with services.database.new_session(writes=False) as s:
        row = s.scalar(select(OracleVerdict).where(OracleVerdict.agreement_id == agreement_pk,
                                                   OracleVerdict.oracle_address == oracle))
        s.expunge_all()
        return row


def test_simulated_meters_drive_a_payment_the_fsp_withdraws(api, mworld, chain_market, services, indexer):
    agreement = _awarded(api, mworld, chain_market, "fsp_b")
    fsp = mworld.accounts["fsp_b"]
    now = _after(chain_market, agreement["delivery_end"] + 60)
    assert SimulatedMeterFeed(services.database, seed=3).run_once(now) > 0
    credit_before = chain_market.credit_of(fsp.address)

    report = _worker(services, chain_market, mworld.accounts["oracle"]).run_once()
    assert report.attested == [agreement["agreement_id"]], report

    verdict = _verdict(services, agreement["id"], mworld.accounts["oracle"].address)
    assert [i["ordered_wh"] for i in verdict.intervals] == [ORDERED, ORDERED]
    assert all(i["delivered_wh"] == max(0, i["baseline_wh"] - i["actual_wh"]) for i in verdict.intervals)
    delivered = sum(i["delivered_wh"] for i in verdict.intervals)
    assert verdict.delivered_wh == delivered and delivered * 100 >= 2 * ORDERED * 80  # the fleet delivered
    success, payment, penalty = _expected(delivered, 2 * ORDERED, agreement["guarantee"])
    assert (verdict.success, verdict.payment, verdict.penalty) == (success, payment, penalty)
    assert verdict.payment + verdict.penalty + verdict.refund == agreement["amount"]

    credit = chain_market.credit_of(fsp.address) - credit_before
    assert credit == payment
    indexer.poll()
    mirrored = api("fsp_b").get(f"/agreements/{agreement['id']}")
    assert mirrored["status"] == "settled" and mirrored["payment"] == payment

    balance = chain_market.balance_of(fsp.address)
    chain_market.withdraw(fsp)
    assert chain_market.credit_of(fsp.address) == 0
    assert chain_market.balance_of(fsp.address) == balance + credit_before + credit

    statement = api("fsp_b").get(f"/agreements/{agreement['id']}/statement")
    assert statement["payment"] == payment and statement["refund"] == verdict.refund
    assert [r["delivered_wh"] for r in statement["intervals"]] == [i["delivered_wh"] for i in verdict.intervals]
    assert statement["transactions"]["attested"] == verdict.tx_hash
    csv_text = api("fsp_b").get(f"/agreements/{agreement['id']}/statement?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("row,start,ordered_wh")

    again = _worker(services, chain_market, mworld.accounts["oracle"]).run_once()
    assert agreement["agreement_id"] not in again.attested  # settled once, never again


def test_under_delivery_pays_nothing_and_refunds_the_dso(api, mworld, chain_market, services, indexer):
    agreement = _awarded(api, mworld, chain_market, "fsp_c")
    dso = mworld.accounts["dso"]
    now = _after(chain_market, agreement["delivery_end"] + 60)
    SimulatedMeterFeed(services.database, seed=3, by_unit={mworld["fsp_c_unit0"]: 30}).run_once(now)
    dso_credit = chain_market.credit_of(dso.address)
    fsp_credit = chain_market.credit_of(mworld.accounts["fsp_c"].address)

    report = _worker(services, chain_market, mworld.accounts["oracle"]).run_once()
    assert agreement["agreement_id"] in report.attested

    verdict = _verdict(services, agreement["id"], mworld.accounts["oracle"].address)
    assert verdict.success is False and verdict.payment == 0
    _, _, penalty = _expected(verdict.delivered_wh, 2 * ORDERED, agreement["guarantee"])
    assert verdict.penalty == penalty
    assert chain_market.credit_of(mworld.accounts["fsp_c"].address) == fsp_credit
    assert chain_market.credit_of(dso.address) - dso_credit == agreement["amount"] + penalty
    indexer.poll()
    assert api("dso").get(f"/agreements/{agreement['id']}")["status"] == "settled"


def test_missing_readings_keep_the_verdict_pending_until_they_arrive(api, mworld, chain_market, services):
    agreement = _awarded(api, mworld, chain_market, "fsp_a")
    worker = _worker(services, chain_market, mworld.accounts["oracle"])
    _after(chain_market, agreement["delivery_end"] + 60)
    # readings up to (not including) the delivery window only: the feed's clock stops there
    SimulatedMeterFeed(services.database, seed=3).run_once(agreement["delivery_start"])
    report = worker.run_once()
    assert "missing" in report.pending[agreement["agreement_id"]]
    pending = _verdict(services, agreement["id"], mworld.accounts["oracle"].address)
    assert pending.status == "pending" and pending.missing_count > 0 and pending.tx_key is None
    statement = api("fsp_a").get(f"/agreements/{agreement['id']}/statement")
    assert statement["verdict"]["status"] == "pending" and statement["payment"] is None

    SimulatedMeterFeed(services.database, seed=3).run_once(chain_market.chain.timestamp())
    assert agreement["agreement_id"] in worker.run_once().attested
    assert _verdict(services, agreement["id"], mworld.accounts["oracle"].address).status == "attested"


def test_a_worker_killed_between_send_and_receipt_settles_once(api, mworld, chain_market, services, indexer):
    agreement = _awarded(api, mworld, chain_market, "fsp_b")
    oracle = mworld.accounts["oracle"]
    fsp = mworld.accounts["fsp_b"]
    now = _after(chain_market, agreement["delivery_end"] + 60)
    SimulatedMeterFeed(services.database, seed=5).run_once(now)
    credit_before = chain_market.credit_of(fsp.address)
    nonce_before = chain_market.chain.w3.eth.get_transaction_count(oracle.address)

    class Killed(Exception):
        pass

    doomed = _worker(services, chain_market, oracle)
    submit = doomed.sender.submit

    def send_then_die(*args, **kwargs):
        submit(*args, **{**kwargs, "wait": False})  # broadcast, no receipt recorded
        raise Killed

    doomed.sender.submit = send_then_die
    with pytest.raises(Killed):
        doomed.run_once()
    assert _verdict(services, agreement["id"], oracle.address).status == "judged"

    report = _worker(services, chain_market, oracle).run_once()  # a fresh process
    assert report.attested == [agreement["agreement_id"]]
    assert chain_market.chain.w3.eth.get_transaction_count(oracle.address) == nonce_before + 1
    with services.database.new_session(writes=False) as s:
        key = f"attest:{chain_market.chain.chain_id}:{agreement['agreement_id']}"
        assert s.scalar(select(func.count()).select_from(ChainTransaction).where(ChainTransaction.key == key)) == 1
    verdict = _verdict(services, agreement["id"], oracle.address)
    assert chain_market.credit_of(fsp.address) - credit_before == verdict.payment
    assert TransactionSender(services.database, chain_market.chain).find(verdict.tx_key).tx_hash == verdict.tx_hash


def test_an_agreement_past_its_attestation_deadline_expires_and_the_dso_reclaims(
        api, mworld, chain_market, services, indexer):
    agreement = _awarded(api, mworld, chain_market, "fsp_c")
    worker = _worker(services, chain_market, mworld.accounts["oracle"])
    _after(chain_market, agreement["attest_deadline"] + 1)  # no readings ever came
    report = worker.run_once()
    assert agreement["agreement_id"] in report.expired
    assert _verdict(services, agreement["id"], mworld.accounts["oracle"].address).status == "expired"
    assert agreement["agreement_id"] not in worker.run_once().expired  # decided once


def test_two_of_two_oracles_must_agree_before_payment(api, mworld, chain_market, services, indexer, accounts):
    op = mworld.accounts["operator"]
    market = chain_market.market
    chain = chain_market.chain
    chain.transact(market.functions.setOracleQuorum(2), op)
    try:
        agreement = _awarded(api, mworld, chain_market, "fsp_a")
        now = _after(chain_market, agreement["delivery_end"] + 60)
        SimulatedMeterFeed(services.database, seed=7).run_once(now)
        first = _worker(services, chain_market, mworld.accounts["oracle"]).run_once()
        assert agreement["agreement_id"] in first.signed and not first.attested
        assert "waiting for 1 more" in _verdict(services, agreement["id"], mworld.accounts["oracle"].address).reason
        second = _worker(services, chain_market, accounts.oracle2).run_once()
        assert second.attested == [agreement["agreement_id"]]
        indexer.poll()
        assert api("operator").get(f"/agreements/{agreement['id']}")["status"] == "settled"
    finally:
        chain.transact(market.functions.setOracleQuorum(1), op)


def test_long_term_energy_under_delivered_costs_the_fsp_a_penalty_from_its_guarantee(
        api, mworld, chain_market, services, indexer):
    """Long-term energy: qualification with a guarantee deposit, an energy bid carrying it, an
    award; the meters deliver 30 %: no payment, the penalty moves from the FSP's guarantee to
    the DSO, which gets the rest of the escrow back."""
    chain = chain_market.chain
    chain.travel((chain.timestamp() // DAY + 1) * DAY + 3600 - chain.timestamp())
    now = chain.timestamp()
    day = (now // DAY + 1) * DAY
    m = flow.market(api, mworld, products=["ENG_LT_UP_MONTHLY"], name=f"LT energy {now}")
    sess = api("dso").post("/sessions", 201, json={
        "market_id": m["id"], "horizon": "long_term", "pricing": "pay_as_bid", "gate_open_at": now + 3600,
        "gate_close_at": now + 7200, "delivery_start": day, "delivery_end": day + DAY})
    start = day + 11 * 3600
    intervals = [(start, ORDERED), (start + 900, ORDERED)]
    req = flow.validate_and_publish(api, mworld, chain, flow.request(api, sess, "ENG_LT_UP_MONTHLY",
                                                                     intervals=intervals, cap=300_000_000))
    fsp = mworld.accounts["fsp_a"]
    q = api("fsp_a").post(f"/requests/{req['id']}/qualifications", 201,
                          json={"asset_id": mworld["fsp_a_asset0"], "qualified_power_w": 400_000})
    for tx in q["deposit_transactions"]:
        flow.send_unsigned(chain, fsp, tx)
    api("dso").post(f"/qualifications/{q['id']}/dso-review", json={"decision": "accepted"})
    api("operator").post(f"/qualifications/{q['id']}/operator-review", json={"decision": "accepted"})
    chain.travel(3601)
    flow.bid(api, mworld, chain_market, req, "fsp_a", "fsp_a_unit0", price=PRICE, intervals=intervals)
    chain.travel(3600)
    api("operator").post(f"/sessions/{sess['id']}/close-gate")
    (agreement,) = api("fsp_a").get(f"/agreements?request_id={req['id']}")["items"]
    assert agreement["guarantee"] == q["guarantee"] > 0
    assert (agreement["success_threshold_pct"], agreement["penalty_pct"]) == (80, 10)

    now = _after(chain_market, agreement["delivery_end"] + 60)
    SimulatedMeterFeed(services.database, seed=3, by_unit={mworld["fsp_a_unit0"]: 30}).run_once(now)
    dso = mworld.accounts["dso"]
    dso_credit = chain_market.credit_of(dso.address)
    guarantee_before, _ = chain_market.guarantee_of(fsp.address)
    report = _worker(services, chain_market, mworld.accounts["oracle"]).run_once()
    assert agreement["agreement_id"] in report.attested, report

    verdict = _verdict(services, agreement["id"], mworld.accounts["oracle"].address)
    success, payment, penalty = _expected(verdict.delivered_wh, 2 * ORDERED, agreement["guarantee"])
    assert success is False and verdict.payment == payment == 0
    assert verdict.penalty == penalty > 0
    guarantee_after, _ = chain_market.guarantee_of(fsp.address)
    assert guarantee_before - guarantee_after == penalty
    assert chain_market.credit_of(dso.address) - dso_credit == agreement["amount"] + penalty
    indexer.poll()
    statement = api("fsp_a").get(f"/agreements/{agreement['id']}/statement")
    assert (statement["status"], statement["payment"], statement["penalty"]) == ("settled", 0, penalty)


def test_statements_through_the_command_line(api, mworld, market_db_url):
    """``flexmarket oracle statement`` / ``statements`` read the same statements as the API."""
    import json

    from click.testing import CliRunner

    from oracle.cli import oracle

    env = {"FLEX_DATABASE_URL": market_db_url}
    settled = [a for a in api("operator").get("/agreements?limit=500")["items"] if a["status"] == "settled"]
    assert settled
    one = settled[0]
    by_api = api("operator").get(f"/agreements/{one['id']}/statement")
    result = CliRunner().invoke(oracle, ["statement", one["agreement_id"]], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == by_api
    as_csv = CliRunner().invoke(oracle, ["statement", str(one["id"]), "--csv"], env=env)
    assert as_csv.output == api("operator").get(f"/agreements/{one['id']}/statement?format=csv").get_data(as_text=True)

    fsp = one["fsp_id"]
    start, end = one["delivery_end"] - 86_400, one["delivery_end"] + 86_400
    period = CliRunner().invoke(oracle, ["statements", "--start", str(start), "--end", str(end),
                                         "--participant", str(fsp)], env=env)
    assert period.exit_code == 0, period.output
    body = json.loads(period.output)
    assert body == api("operator").get(f"/statements?start={start}&end={end}&participant_id={fsp}")
    assert one["agreement_id"] in {s["agreement_id"] for s in body["agreements"]}

    missing = CliRunner().invoke(oracle, ["statement", "999999"], env=env)
    assert missing.exit_code == 2 and "no agreement" in missing.output
    backwards = CliRunner().invoke(oracle, ["statements", "--start", "2026-01-02T00:00:00Z", "--end",
                                            "2026-01-01T00:00:00Z"], env=env)
    assert backwards.exit_code == 2


def test_a_round_pages_through_every_due_agreement(api, mworld, chain_market, services):
    """With a page of one, a round still judges and attests every due agreement."""
    first = _awarded(api, mworld, chain_market, "fsp_a")
    second = _awarded(api, mworld, chain_market, "fsp_b")
    now = _after(chain_market, max(first["delivery_end"], second["delivery_end"]) + 60)
    SimulatedMeterFeed(services.database, seed=11).run_once(now)
    worker = _worker(services, chain_market, mworld.accounts["oracle"])
    worker.batch = 1
    report = worker.run_once()
    assert {first["agreement_id"], second["agreement_id"]} <= set(report.attested)
