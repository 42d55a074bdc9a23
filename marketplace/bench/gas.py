"""``flexmarket bench gas``: gas used by each market operation on a fresh chain.

Deploys on a new local chain (anvil by default, or the embedded chain) and runs every
operation once in a steady state: the market already holds tokens, DSOs and FSPs already
hold token balances, and each operation touches the slots a real one touches. Writes
``{"operations": {name: gas}, "goals": {...}, "chain": ...}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from eth_account.signers.local import LocalAccount

from eth_utils import keccak

from marketplace.chain import devkeys, typed_data
from marketplace.chain.client import Chain
from marketplace.chain.deploy import DSO, FSP, METER_ORACLE, deploy
from marketplace.chain.market import Award, FlexRequest, MarketClient
from marketplace.chain.merkle import OrderBookTree

#: Gas goals of the foundation issue (operation -> most gas allowed).
GOALS = {
    "create_request": 130_000,
    "commit_book": 50_000,
    "award_1": 90_000,
    "award_10": 450_000,
    "attest_settle": 80_000,
    "withdraw": 45_000,
}
#: Measured on a pilot-style contract that stores every offer on chain, for comparison.
PILOT_REFERENCE = {"store_offer": 94_986, "select_offer": 109_805, "confirm_delivery": 63_415}

EUR = 1_000_000
HOUR = 3600


class GasScenario:
    """The accounts, contracts and helpers the gas measurement runs with."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.operator, self.dso, self.oracle = devkeys.dev_account(0), devkeys.dev_account(1), devkeys.dev_account(2)
        self.fsps = [devkeys.dev_account(3 + i) for i in range(12)]
        self.client = MarketClient(chain, deploy(chain, self.operator))
        c = self.client
        c.grant_role(self.operator, self.dso.address, DSO)
        c.grant_role(self.operator, self.oracle.address, METER_ORACLE)
        c.mint(self.operator, self.dso.address, 10**9 * EUR)
        c.approve(self.dso, 2**255)
        for fsp in self.fsps:
            c.grant_role(self.operator, fsp.address, FSP)
            c.mint(self.operator, fsp.address, 1_000 * EUR)
            c.approve(fsp, 2**255)
        self._ref = 0

    def request(self, quantity_wh: int = 100_000_000, cap: int = 200 * EUR) -> tuple[int, FlexRequest]:
        now = self.chain.timestamp()
        self._ref += 1
        req = FlexRequest(
            dso=self.dso.address,
            gateClosure=now + HOUR,
            awardDeadline=now + 2 * HOUR,
            deliveryEnd=now + 3 * HOUR,
            attestDeadline=now + 30 * 24 * HOUR,
            quantityWh=quantity_wh,
            priceCapPerMWh=cap,
            ref=self._ref.to_bytes(32, "big"),
        )
        return self.client.create_request(self.dso, req, b"\x11" * 32), req

    def signed_bids(self, request_id: int, count: int, quantity_wh: int, guarantee: int = 0):
        """``count`` bids at rising prices, each from a different FSP while there are enough."""
        out = []
        for i in range(count):
            fsp = self.fsps[i % len(self.fsps)]
            bid = typed_data.Bid(
                requestId=request_id,
                fsp=fsp.address,
                quantityWh=quantity_wh,
                minQuantityWh=quantity_wh,
                pricePerMWh=(100 + i) * EUR,
                guarantee=guarantee,
                terms=keccak(request_id.to_bytes(32, "big") + i.to_bytes(32, "big")),  # a terms hash
            )
            doc = typed_data.bid_typed_data(self.chain.chain_id, self.client.market.address, bid)
            out.append((bid, typed_data.digest(doc), fsp.sign_typed_data(full_message=doc).signature))
        return out

    def close_gate(self) -> None:
        self.chain.travel(HOUR + 1)

    def award(self, request_id: int, req: FlexRequest, signed, tree: OrderBookTree, winners: int):
        """Award the first ``winners`` bids at their own prices and quantities."""
        chosen = signed[:winners]
        awards = [Award(bid, bid.quantityWh, bid.pricePerMWh, sig) for bid, _, sig in chosen]
        return self.client.award(self.operator, request_id, req, tree, awards, [d for _, d, _ in chosen])


def measure(chain: Chain) -> dict[str, int]:
    """Gas of each market operation, by name."""
    s = GasScenario(chain)
    c, gas = s.client, {}
    op = s.operator

    # Warm-up: the very first request pays for the market's first token balance.
    s.request()

    # create_request / cancel_request
    rid, req = s.request()
    gas["create_request"] = _gas_of_last(chain)
    gas["cancel_request"] = c.cancel_request(s.dso, rid, req)["gasUsed"]

    # commit_book + award_1 (book of 4 bids, one winner)
    rid, req = s.request()
    signed = s.signed_bids(rid, 4, 10_000_000)
    tree = OrderBookTree(d for _, d, _ in signed)
    s.close_gate()
    gas["commit_book"] = c.commit_book(op, rid, req, tree.root)["gasUsed"]
    receipt, agreements = s.award(rid, req, signed, tree, 1)
    gas["award_1"] = receipt["gasUsed"]
    first_agreement = agreements[0]

    # award_10 (book of 16 bids, ten winners)
    rid, req = s.request()
    signed = s.signed_bids(rid, 16, 5_000_000)
    tree = OrderBookTree(d for _, d, _ in signed)
    s.close_gate()
    c.commit_book(op, rid, req, tree.root)
    receipt, ten = s.award(rid, req, signed, tree, 10)
    gas["award_10"] = receipt["gasUsed"]

    # deposit_guarantee (an FSP's first deposit) and an award locking guarantee
    gas["deposit_guarantee"] = c.deposit_guarantee(s.fsps[0], 100 * EUR)["gasUsed"]
    rid, req = s.request()
    signed = s.signed_bids(rid, 4, 10_000_000, guarantee=5 * EUR)
    tree = OrderBookTree(d for _, d, _ in signed)
    s.close_gate()
    c.commit_book(op, rid, req, tree.root)
    receipt, guaranteed = s.award(rid, req, signed, tree, 1)
    gas["award_1_with_guarantee"] = receipt["gasUsed"]

    # attest_settle (success), attest with a penalty, signed attestation
    chain.travel(3 * HOUR)
    gas["attest_settle"] = c.attest(s.oracle, first_agreement, first_agreement.quantityWh)["gasUsed"]
    gas["attest_penalty"] = c.attest(s.oracle, guaranteed[0], 0)["gasUsed"]
    doc = typed_data.attestation_typed_data(chain.chain_id, c.market.address, ten[0].id, ten[0].quantityWh)
    signature = s.oracle.sign_typed_data(full_message=doc).signature
    gas["attest_signed"] = c.attest_signed(s.fsps[0], ten[0], ten[0].quantityWh, [signature])["gasUsed"]

    # withdraw by an FSP that already holds tokens
    gas["withdraw"] = c.withdraw(s.fsps[0])["gasUsed"]

    # a plain ERC-20 transfer between two holders, for comparison
    gas["erc20_transfer"] = chain.transact(c.token.functions.transfer(s.fsps[1].address, EUR), s.fsps[2])["gasUsed"]
    return gas


def _gas_of_last(chain: Chain) -> int:
    block = chain.w3.eth.get_block("latest", full_transactions=False)
    return int(chain.w3.eth.get_transaction_receipt(block["transactions"][-1])["gasUsed"])


def report(gas: dict[str, int], chain_name: str) -> dict:
    return {
        "operations": gas,
        "goals": {name: {"goal": goal, "gas": gas[name], "met": gas[name] <= goal} for name, goal in GOALS.items()},
        "pilot_reference": PILOT_REFERENCE,
        "chain": chain_name,
    }


def table(result: dict) -> str:
    """The report as a markdown table (for the README)."""
    lines = ["| operation | gas | goal |", "| --- | ---: | ---: |"]
    for name, value in result["operations"].items():
        goal = GOALS.get(name)
        lines.append(f"| `{name}` | {value:,} | {'≤ ' + format(goal, ',') if goal else ''} |")
    return "\n".join(lines)


@click.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the report here.")
@click.option("--chain", "chain_kind", type=click.Choice(["anvil", "embedded"]), default="anvil", show_default=True)
@click.option("--markdown", is_flag=True, help="Also print the figures as a markdown table on stderr.")
def gas(json_path: Path | None, chain_kind: str, markdown: bool) -> None:
    """Deploy on a fresh chain and report the gas of every market operation as JSON."""
    from marketplace.chain.node import HARDFORK, AnvilNode

    click.echo(f"flexmarket: measuring gas on a fresh {chain_kind} chain ...", err=True)
    if chain_kind == "anvil":
        with AnvilNode() as node:
            result = report(measure(Chain.connect(node.url, poll_latency=0.005)), f"anvil (hardfork {HARDFORK})")
    else:
        result = report(measure(Chain.embedded()), "eth-tester (py-evm, Cancun)")
    text = json.dumps(result, indent=2)
    if json_path is not None:
        json_path.write_text(text + "\n", encoding="utf-8")
    click.echo(text)
    if markdown:
        click.echo(table(result), err=True)
