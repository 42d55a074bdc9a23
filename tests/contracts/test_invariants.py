"""Hypothesis stateful test of the market's money invariants, on a real anvil node.

Random sequences of requests, bids (some invalid: above cap, unsigned by an FSP, forged,
uncommitted, repeated), commitments, awards, cancellations, attestations, reclaims,
withdrawals, guarantee moves and time jumps. After every step:

- token conservation: the market's balance = open escrow + unsettled agreements +
  guarantees + unwithdrawn credits (all from an independent model);
- every credit and guarantee on chain equals the model's;
- no agreement is settled twice, no payout exceeds its agreed amount;
- an award containing an unsigned, uncommitted, over-cap or repeated bid reverts and changes
  nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from marketplace import settlement
from marketplace.chain import errors
from marketplace.chain.market import Agreement, Award
from marketplace.chain.merkle import OrderBookTree
from tests.helpers import EUR, HOUR, SignedBid, make_bid, make_request, sign_bid

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

STEPS_PER_EXAMPLE = 30
EXAMPLES = 8  # 240 steps in all


@dataclass
class ModelRequest:
    id: int
    terms: object
    state: str = "open"  # open | committed | done
    bids: list[SignedBid] = field(default_factory=list)
    late: list[SignedBid] = field(default_factory=list)
    tree: OrderBookTree | None = None


class MarketMachine(RuleBasedStateMachine):
    market = None
    accounts = None
    steps = 0  # invariant checks run, i.e. steps taken, over all examples

    @initialize()
    def start(self):
        self.chain = self.market.chain
        self.snap = self.chain.snapshot()
        # Every block exactly one second after the last, whatever the wall clock does, so the
        # model's "next block is now + 1" holds at every deadline boundary.
        self.chain.w3.provider.make_request("anvil_setBlockTimestampInterval", [1])
        a = self.accounts
        self.dsos = [a.dso, a.dso2]
        self.fsps = a.fsps[:4]
        self.signers = self.fsps + [a.stranger]  # the stranger holds no FSP role
        self.requests: list[ModelRequest] = []
        self.agreements: dict[bytes, Agreement] = {}
        self.settled: set[bytes] = set()
        watched = [x.address for x in self.dsos + self.fsps]
        self.credits = {addr: self.market.credit_of(addr) for addr in watched}
        self.guarantees = {f.address: self.market.guarantee_of(f.address) for f in self.fsps}
        self.escrow = 0
        self.base_balance = self.market.balance_of(self.market.market.address)
        self.base_credits = sum(self.credits.values())
        self.base_guarantees = sum(t for t, _ in self.guarantees.values())
        for fsp in self.fsps:  # guarantees in place, so that guaranteed bids can win
            self._deposit(fsp, 20 * EUR)

    def teardown(self):
        if hasattr(self, "snap"):
            self.chain.w3.provider.make_request("anvil_removeBlockTimestampInterval", [])
            self.chain.revert(self.snap)

    # ------------------------------------------------------------------ helpers
    def now(self) -> int:
        return self.chain.timestamp()

    def _expect_failure(self, action) -> None:
        before = self.market.balance_of(self.market.market.address)
        with pytest.raises(errors.ContractRevert):
            action()
        assert self.market.balance_of(self.market.market.address) == before

    def _credit(self, addr: str, amount: int) -> None:
        self.credits[addr] = self.credits.get(addr, 0) + amount

    def _pick_agreement(self, data) -> Agreement:
        """Mostly an unsettled agreement; sometimes any (to try settling one twice)."""
        unsettled = sorted(a for a in self.agreements if a not in self.settled)
        pool = unsettled if unsettled and data.draw(st.integers(0, 4)) else sorted(self.agreements)
        return self.agreements[data.draw(st.sampled_from(pool))]

    # ------------------------------------------------------------------ rules
    @rule(dso=st.integers(0, 1), quantity=st.integers(1_000, 200_000), cap=st.integers(1, 300))
    def create_request(self, dso, quantity, cap):
        account = self.dsos[dso]
        terms = make_request(self.market, account, quantity_wh=quantity, cap=cap * EUR, ref=len(self.requests) + 1,
                             pay_as_clear=bool(quantity % 2))
        rid = self.market.create_request(account, terms)
        self.requests.append(ModelRequest(rid, terms))
        self.escrow += terms.escrow

    @precondition(lambda self: any(r.state == "open" for r in self.requests))
    @rule(data=st.data(), quantity=st.integers(1, 100_000), price=st.integers(1, 350), divisible=st.booleans(),
          guarantee=st.sampled_from([0, 0, EUR, 5 * EUR]))
    def add_bid(self, data, quantity, price, divisible, guarantee):
        req = data.draw(st.sampled_from([r for r in self.requests if r.state == "open"]))
        signer = data.draw(st.sampled_from(self.signers))
        minimum = quantity // 2 if divisible else quantity
        bid = make_bid(req.id, signer, quantity, price * EUR, guarantee=guarantee, min_quantity_wh=max(minimum, 1),
                       salt=len(req.bids))
        digest, signature = sign_bid(self.market, signer, bid)
        req.bids.append(SignedBid(bid, digest, signature))

    @precondition(lambda self: any(r.state == "open" for r in self.requests))
    @rule(data=st.data())
    def commit(self, data):
        self._commit(data.draw(st.sampled_from([r for r in self.requests if r.state == "open"])))

    def _commit(self, req: ModelRequest) -> None:
        if self.now() < req.terms.gateClosure:
            self.chain.travel(req.terms.gateClosure - self.now())
        tree = OrderBookTree(b.digest for b in req.bids)
        if self.now() + 1 >= req.terms.awardDeadline:
            self._expect_failure(lambda: self.market.commit_book(self.accounts.operator, req.id, req.terms, tree.root))
            return
        self.market.commit_book(self.accounts.operator, req.id, req.terms, tree.root)
        req.state, req.tree = "committed", tree
        # A bid that arrives after the commitment can never be awarded.
        late_bid = make_bid(req.id, self.fsps[0], 1_000, EUR, salt=10_000 + req.id)
        req.late.append(SignedBid(late_bid, *sign_bid(self.market, self.fsps[0], late_bid)))

    @precondition(lambda self: any(r.state == "committed" for r in self.requests))
    @rule(data=st.data(), by_dso=st.booleans(),
          flaw=st.sampled_from(["none", "none", "none", "late", "forged", "repeat", "over_cap"]))
    def award(self, data, by_dso, flaw):
        req = data.draw(st.sampled_from([r for r in self.requests if r.state == "committed"]))
        caller = next(d for d in self.dsos if d.address == req.terms.dso) if by_dso else self.accounts.operator
        chosen = data.draw(st.lists(st.sampled_from(req.bids), unique_by=lambda b: b.digest, max_size=5)) if req.bids else []
        self._award(req, caller, chosen, flaw)

    def _award(self, req: ModelRequest, caller, chosen: list[SignedBid], flaw: str) -> None:
        clearing = max((b.bid.pricePerMWh for b in chosen), default=0)
        awards = []
        for b in chosen:
            price = clearing if req.terms.payAsClear else b.bid.pricePerMWh
            awards.append((b, Award(b.bid, b.bid.quantityWh, price, b.signature)))
        free = {f: self.guarantees[f][0] - self.guarantees[f][1] for f in self.guarantees}
        valid = self.now() + 1 < req.terms.awardDeadline
        total = 0
        for b, a in awards:
            signer_is_fsp = b.bid.fsp in self.guarantees
            valid &= signer_is_fsp and a.pricePerMWh <= req.terms.priceCapPerMWh
            total += a.quantityWh
            if signer_is_fsp:
                free[b.bid.fsp] -= b.bid.guarantee
        valid &= total <= req.terms.quantityWh and all(v >= 0 for v in free.values())
        flawed = list(awards)
        if flaw == "late":
            flawed.append((req.late[0], req.late[0].award()))
        elif flaw == "forged" and chosen:
            b = chosen[0]
            forged_bid = make_bid(req.id, self.fsps[1], b.bid.quantityWh, b.bid.pricePerMWh, salt=99)
            flawed.append((SignedBid(forged_bid, *sign_bid(self.market, self.fsps[2], forged_bid)), None))
            flawed[-1] = (flawed[-1][0], flawed[-1][0].award())
        elif flaw == "repeat" and awards:
            flawed.append(awards[0])
        elif flaw == "over_cap" and awards:
            b, a = awards[0]
            flawed[0] = (b, Award(b.bid, a.quantityWh, req.terms.priceCapPerMWh + 1, b.signature))
        if flawed != awards:
            self._expect_failure(lambda: self._send_award(caller, req, flawed))
            return
        if not valid:
            self._expect_failure(lambda: self._send_award(caller, req, awards))
            return
        agreements = self._send_award(caller, req, awards)
        req.state = "done"
        agreed = 0
        for ag in agreements:
            assert ag.id not in self.agreements, "a bid was awarded twice"
            assert ag.pricePerMWh <= req.terms.priceCapPerMWh
            self.agreements[ag.id] = ag
            agreed += ag.amount
            if ag.guarantee:
                t, locked = self.guarantees[ag.fsp]
                self.guarantees[ag.fsp] = (t, locked + ag.guarantee)
        self.escrow -= req.terms.escrow
        self._credit(req.terms.dso, req.terms.escrow - agreed)

    def _send_award(self, caller, req, pairs):
        ordered = sorted(pairs, key=lambda p: p[0].digest)
        in_book = [p[0].digest for p in ordered if p[0].digest in req.tree]
        multi = req.tree.multiproof(in_book) if in_book else None
        leaves_ok = multi is not None and len(in_book) == len(ordered)
        proof, flags = (multi.proof, multi.flags) if leaves_ok else ([], [])
        fn = self.market.market.functions.award(
            req.id, req.terms.as_tuple(), req.tree.root, [a.as_tuple() for _, a in ordered], proof, flags
        )
        _, agreements = self.market.send_award(caller, req.id, req.terms, fn, [a for _, a in ordered])
        return agreements

    @precondition(lambda self: any(r.state in ("open", "committed") for r in self.requests))
    @rule(data=st.data())
    def cancel(self, data):
        req = data.draw(st.sampled_from([r for r in self.requests if r.state in ("open", "committed")]))
        caller = next(d for d in self.dsos if d.address == req.terms.dso)
        root = req.tree.root if req.state == "committed" else b"\x00" * 32
        t = self.now() + 1
        allowed = (req.state == "open" and t < req.terms.gateClosure) or t >= req.terms.awardDeadline
        if not allowed:
            self._expect_failure(lambda: self.market.cancel_request(caller, req.id, req.terms, root))
            return
        self.market.cancel_request(caller, req.id, req.terms, root)
        req.state = "done"
        self.escrow -= req.terms.escrow
        self._credit(req.terms.dso, req.terms.escrow)

    @precondition(lambda self: bool(self.agreements))
    @rule(data=st.data(), share=st.integers(0, 150))
    def attest(self, data, share):
        ag = self._pick_agreement(data)
        self._attest(ag, ag.quantityWh * share // 100)

    def _attest(self, ag: Agreement, delivered: int) -> None:
        if self.now() < ag.deliveryEnd:
            self.chain.travel(ag.deliveryEnd - self.now())
        if ag.id in self.settled or self.now() + 1 > ag.attestDeadline:
            self._expect_failure(lambda: self.market.attest(self.accounts.oracle, ag, delivered))
            return
        self.market.attest(self.accounts.oracle, ag, delivered)
        split = settlement.settle(ag.pricePerMWh, ag.quantityWh, delivered, ag.successThresholdPct, ag.penaltyPct, ag.guarantee)
        assert split.payment <= ag.amount
        self.settled.add(ag.id)
        self._credit(ag.fsp, split.payment)
        self._credit(ag.dso, split.refund + split.penalty)
        if ag.guarantee:
            t, locked = self.guarantees[ag.fsp]
            self.guarantees[ag.fsp] = (t - split.penalty, locked - ag.guarantee)

    @precondition(lambda self: bool(self.agreements))
    @rule(data=st.data())
    def reclaim(self, data):
        ag = self._pick_agreement(data)
        dso = next(d for d in self.dsos if d.address == ag.dso)
        if ag.id in self.settled or self.now() + 1 <= ag.attestDeadline:
            self._expect_failure(lambda: self.market.reclaim(dso, ag))
            return
        self.market.reclaim(dso, ag)
        self.settled.add(ag.id)
        self._credit(ag.dso, ag.amount)
        if ag.guarantee:
            t, locked = self.guarantees[ag.fsp]
            self.guarantees[ag.fsp] = (t, locked - ag.guarantee)

    @rule(who=st.integers(0, 5))
    def withdraw(self, who):
        account = (self.dsos + self.fsps)[who]
        owed = self.credits.get(account.address, 0)
        if owed == 0:
            self._expect_failure(lambda: self.market.withdraw(account))
            return
        before = self.market.balance_of(account.address)
        self.market.withdraw(account)
        assert self.market.balance_of(account.address) == before + owed
        self.credits[account.address] = 0

    def _deposit(self, account, amount: int) -> None:
        self.market.deposit_guarantee(account, amount)
        t, locked = self.guarantees[account.address]
        self.guarantees[account.address] = (t + amount, locked)

    @rule(fsp=st.integers(0, 3), amount=st.integers(1, 20))
    def deposit_guarantee(self, fsp, amount):
        self._deposit(self.fsps[fsp], amount * EUR)

    @rule(bids=st.integers(1, 4), guarantee=st.sampled_from([0, EUR, 3 * EUR]), settle=st.booleans(),
          shares=st.lists(st.integers(0, 150), min_size=4, max_size=4))
    def full_cycle(self, bids, guarantee, settle, shares):
        """Create, bid, commit, award (and maybe settle) in one step, so money moves often."""
        account = self.dsos[0]
        terms = make_request(self.market, account, quantity_wh=100_000, cap=250 * EUR, ref=len(self.requests) + 1)
        rid = self.market.create_request(account, terms)
        req = ModelRequest(rid, terms)
        self.requests.append(req)
        self.escrow += terms.escrow
        for i in range(bids):
            fsp = self.fsps[i]
            bid = make_bid(rid, fsp, 20_000, (50 + 40 * i) * EUR, guarantee=guarantee, salt=i)
            req.bids.append(SignedBid(bid, *sign_bid(self.market, fsp, bid)))
        self._commit(req)
        if req.state == "committed":
            self._award(req, self.accounts.operator, list(req.bids), "none")
        if settle and req.state == "done":
            for ag, share in zip([a for a in self.agreements.values() if a.requestId == rid], shares):
                self._attest(ag, ag.quantityWh * share // 100)

    @rule(fsp=st.integers(0, 3), amount=st.integers(1, 30))
    def withdraw_guarantee(self, fsp, amount):
        account = self.fsps[fsp]
        t, locked = self.guarantees[account.address]
        if amount * EUR > t - locked:
            self._expect_failure(lambda: self.market.withdraw_guarantee(account, amount * EUR))
            return
        self.market.withdraw_guarantee(account, amount * EUR)
        self.guarantees[account.address] = (t - amount * EUR, locked)

    @rule(hours=st.sampled_from([1, 2, 24, 24 * 31]))
    def travel(self, hours):
        self.chain.travel(hours * HOUR)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def tokens_are_conserved(self):
        if not hasattr(self, "snap"):
            return
        MarketMachine.steps += 1
        unsettled = sum(ag.amount for ag_id, ag in self.agreements.items() if ag_id not in self.settled)
        guarantees = sum(t for t, _ in self.guarantees.values()) - self.base_guarantees
        credits = sum(self.credits.values()) - self.base_credits
        expected = self.base_balance + self.escrow + unsettled + guarantees + credits
        assert self.market.balance_of(self.market.market.address) == expected

    @invariant()
    def credits_and_guarantees_match_the_model(self):
        if not hasattr(self, "snap"):
            return
        for addr, owed in self.credits.items():
            assert self.market.credit_of(addr) == owed
        for addr, g in self.guarantees.items():
            assert self.market.guarantee_of(addr) == g

    @invariant()
    def settled_agreements_are_gone(self):
        if not hasattr(self, "snap"):
            return
        for ag_id in self.settled:
            assert self.chain.call(self.market.market.functions.agreementHash(ag_id)) == b"\x00" * 32


def test_market_invariants_hold_over_random_operation_sequences(anvil_market, accounts):
    MarketMachine.market = anvil_market
    MarketMachine.accounts = accounts
    MarketMachine.steps = 0
    run_state_machine_as_test(
        MarketMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS_PER_EXAMPLE,
            deadline=None,
            derandomize=True,  # the same 240 steps on every run: a failure reproduces
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    assert MarketMachine.steps >= 200
