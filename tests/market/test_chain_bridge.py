"""The database in step with the chain, on anvil: the event indexer restarted mid-stream (and
after a crash inside a chunk) loses and duplicates nothing; a cancelled request's escrow comes
back; ``reconcile`` reports every difference and ``flexmarket reconcile`` exits non-zero on
one; ``flexmarket close-gate`` closes, clears and awards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace import settlement
from marketplace.bridge.indexer import EventIndexer
from marketplace.chain.client import Chain
from marketplace.cli import main
from marketplace.market import reconcile as check
from marketplace.market import sync
from marketplace.models import Agreement, ChainEvent, ChainRequest, CreditAccount
from tests.market import flow

pytestmark = pytest.mark.anvil

EUR = 1_000_000


class Crash(RuntimeError):
    """The indexer process dies inside a chunk."""


def _indexer(services, chain_market, **kw) -> EventIndexer:
    """A new indexer process: its own chain connection, the market's handlers, the shared cursor."""
    chain = Chain.connect(chain_market.chain.w3.provider.endpoint_uri, poll_latency=0.005)
    return sync.register(EventIndexer(services.database, chain, chain_market.deployment, **kw))


def _auction(api, mworld, chain_market, name: str) -> tuple[dict, dict]:
    sess, req = flow.st_auction(api, mworld, chain_market, name, quantities=(30_000, 30_000))
    start = req["delivery_start"]
    for fsp, price in (("fsp_a", 100), ("fsp_b", 110), ("fsp_c", 120)):
        flow.bid(api, mworld, chain_market, req, fsp, f"{fsp}_unit0", price=price * EUR,
                 intervals=[(start, 10_000), (start + 900, 10_000)])
    return sess, req


def _on_chain(chain_market) -> set[tuple[str, int]]:
    logs = chain_market.chain.w3.eth.get_logs({"fromBlock": chain_market.deployment.block, "toBlock": "latest",
                                               "address": chain_market.market.address})
    return {("0x" + bytes(e["transactionHash"]).hex(), int(e["logIndex"])) for e in logs}


def _indexed(services) -> list[tuple[str, int]]:
    with services.database.new_session(writes=False) as s:
        return [(e.tx_hash, e.log_index) for e in s.scalars(select(ChainEvent).order_by(ChainEvent.id))]


def test_indexer_restarted_mid_stream_loses_and_duplicates_nothing(api, mworld, chain_market, services):
    chain = chain_market.chain
    first_sess, _ = _auction(api, mworld, chain_market, "indexer one")
    flow.close(api, chain, first_sess)
    middle = chain.block_number()
    second_sess, second = _auction(api, mworld, chain_market, "indexer two")
    flow.close(api, chain, second_sess)
    awarded = len(api("operator").get(f"/agreements?request_id={second['id']}")["items"])
    assert awarded == 3
    # the first process indexes up to the middle, then dies inside the next chunk
    one = _indexer(services, chain_market)
    one.poll(to_block=middle)
    assert one.cursor() == middle
    upto_middle = _indexed(services)
    assert upto_middle and len(set(upto_middle)) == len(upto_middle)
    seen = []

    def crash(session, event) -> None:
        seen.append(event.tx_hash)
        if len(seen) == 2:
            raise Crash("killed while handling the second OfferAwarded")

    one.on("OfferAwarded", crash)
    with pytest.raises(Crash):
        one.poll()
    assert one.cursor() == middle and _indexed(services) == upto_middle  # the chunk rolled back whole
    # a new process takes over from the durable cursor
    two = _indexer(services, chain_market)
    result = two.poll()
    assert result.from_block <= middle + 1 and result.added == len(_on_chain(chain_market)) - len(upto_middle)
    indexed = _indexed(services)
    assert len(indexed) == len(set(indexed)) and set(indexed) == _on_chain(chain_market)
    # polling again, and a third process rescanning everything, add nothing and move no money
    dso = mworld.accounts["dso"].address
    with services.database.new_session(writes=False) as s:
        credit = s.scalars(select(CreditAccount.amount).where(CreditAccount.address == dso)).one()
        agreements = s.scalar(select(func.count()).select_from(Agreement))
    assert credit == chain_market.credit_of(dso) > 0
    assert two.poll().added == 0
    assert _indexer(services, chain_market, rescan_blocks=10_000).poll().added == 0
    with services.database.new_session(writes=False) as s:
        assert s.scalars(select(CreditAccount.amount).where(CreditAccount.address == dso)).one() == credit
        assert s.scalar(select(func.count()).select_from(Agreement)) == agreements
        assert check.reconcile(s, chain_market) == []


def test_a_cancelled_request_returns_its_escrow(api, mworld, chain_market, services, indexer):
    chain = chain_market.chain
    sess, req = flow.st_auction(api, mworld, chain_market, "cancelled", quantities=(10_000, 10_000))
    dso = mworld.accounts["dso"].address
    indexer.poll()
    before = chain_market.credit_of(dso)
    api("fsp_a").post(f"/requests/{req['id']}/cancel", 403)
    api("dso2").post(f"/requests/{req['id']}/cancel", 404)
    done = api("dso").post(f"/requests/{req['id']}/cancel")
    escrow = settlement.payment(250_000_000, 20_000)
    assert done["status"] == "cancelled" and done["legs"][0]["status"] == "cancelled"
    assert done["legs"][0]["refund"] == escrow == done["legs"][0]["escrow"]
    assert chain_market.credit_of(dso) - before == escrow
    indexer.poll()
    with services.database.new_session(writes=False) as s:
        assert s.scalars(select(CreditAccount.amount).where(CreditAccount.address == dso)).one() == \
            chain_market.credit_of(dso)
    assert api("dso").post(f"/requests/{req['id']}/cancel", 409)["code"] == "not_cancellable"
    # a request whose gate has closed can no longer be cancelled
    later_sess, later = flow.st_auction(api, mworld, chain_market, "closed then cancelled")
    flow.close(api, chain, later_sess)
    assert api("dso").post(f"/requests/{later['id']}/cancel", 409)["code"] == "not_cancellable"


@pytest.fixture
def cli_env(services, chain_market, tmp_path) -> dict[str, str]:
    """The environment of a ``flexmarket`` command on the module's database and chain."""
    from marketplace.settings import Settings

    settings = Settings(instance_path=tmp_path)
    chain_market.deployment.save(settings.deployment_path)
    return {"FLEX_DATABASE_URL": services.settings.database_url, "FLEX_INSTANCE_PATH": str(tmp_path),
            "FLEX_RPC_URL": chain_market.chain.w3.provider.endpoint_uri, "FLEX_CLOCK": "chain"}


def test_reconcile_reports_each_difference_and_the_command_exits_non_zero(api, mworld, chain_market, services,
                                                                          indexer, cli_env):
    sess, req = _auction(api, mworld, chain_market, "reconcile")
    flow.close(api, chain_market.chain, sess)
    indexer.poll()
    runner = CliRunner(mix_stderr=False)
    clean = runner.invoke(main, ["reconcile"], env=cli_env)
    assert clean.exit_code == 0, clean.output + clean.stderr
    assert clean.stdout.strip().endswith("database and chain agree")
    dso = mworld.accounts["dso"].address
    with services.database.transaction() as s:
        agreement = s.scalars(select(Agreement).where(Agreement.request_id == req["id"]).order_by(Agreement.id)).first()
        agreement.quantity_wh += 1
        s.scalars(select(CreditAccount).where(CreditAccount.address == dso)).one().amount += 7
        leg = s.scalars(select(ChainRequest).where(ChainRequest.request_id == req["id"])).one()
        leg.status = type(leg.status).COMMITTED
        changed = (agreement.agreement_id, leg.onchain_id)
    try:
        with services.database.new_session(writes=False) as s:
            differences = check.reconcile(s, chain_market)
        kinds = sorted(d.kind for d in differences)
        assert kinds == ["agreement", "credit", "event", "request"], [str(d) for d in differences]
        assert any(changed[0] in d.subject for d in differences if d.kind == "agreement")
        out = Path(cli_env["FLEX_INSTANCE_PATH"]) / "differences.json"
        dirty = runner.invoke(main, ["reconcile", "--json", str(out)], env=cli_env)
        assert dirty.exit_code == 1
        assert len(dirty.stdout.strip().splitlines()) == 4 and "credit " + dso in dirty.stdout
        assert sorted(d["kind"] for d in json.loads(out.read_text())) == kinds
    finally:
        with services.database.transaction() as s:
            s.get(Agreement, s.scalars(select(Agreement.id).where(Agreement.agreement_id == changed[0])).one()
                  ).quantity_wh -= 1
            s.scalars(select(CreditAccount).where(CreditAccount.address == dso)).one().amount -= 7
            s.scalars(select(ChainRequest).where(ChainRequest.request_id == req["id"])).one().status = \
                type(leg.status).AWARDED
    assert runner.invoke(main, ["reconcile"], env=cli_env).exit_code == 0


def test_close_gate_command_commits_clears_and_awards(api, mworld, chain_market, cli_env):
    sess, req = _auction(api, mworld, chain_market, "close-gate command")
    runner = CliRunner(mix_stderr=False)
    early = runner.invoke(main, ["close-gate", str(sess["id"])], env=cli_env)
    assert early.exit_code == 1 and "the gate closes later" in early.stderr
    assert runner.invoke(main, ["close-gate", "999999"], env=cli_env).exit_code == 1
    chain_market.chain.travel(sess["gate_close_at"] - chain_market.chain.timestamp() + 1)
    done = runner.invoke(main, ["close-gate", str(sess["id"])], env=cli_env)
    assert done.exit_code == 0, done.output + done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "awarded"
    (row,) = summary["requests"]
    assert (row["request_id"], row["leg_status"], row["book_size"], row["awarded_wh"]) == (req["id"], "awarded", 3,
                                                                                         60_000)
    assert len(api("dso").get(f"/agreements?request_id={req['id']}")["items"]) == 3
    again = runner.invoke(main, ["close-gate", str(sess["id"])], env=cli_env)  # idempotent
    assert again.exit_code == 0 and json.loads(again.stdout) == summary
