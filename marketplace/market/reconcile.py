"""Compare the database with the chain: every difference, one line each.

- each on-chain request leg: the contract's ``requestWord`` against the word the database's
  status implies (the terms hash while created, terms and book root folded once committed,
  zero once awarded or cancelled);
- each agreement: ``agreementHash`` against the hash of its struct while active, zero once
  settled or reclaimed;
- events against state: every indexed ``RequestCreated`` belongs to a leg of ours (or to
  another client of the contract, then it is reported as foreign only with ``strict``), every
  ``OfferAwarded`` has its agreement, every ``DeliveryAttested`` / ``AgreementReclaimed``
  matches the agreement's status and amounts;
- the ledger: each address's credit (``creditOf``) and guarantee (``guaranteeOf``) against the
  amounts the indexed events add up to.

``flexmarket reconcile`` prints the differences and exits 1 when there is any (after one
indexer poll, so the comparison is with the chain as it is now).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.chain.market import MarketClient
from marketplace.market import canonical
from marketplace.market import requests as request_domain
from marketplace.models import Agreement, ChainEvent, ChainRequest, CreditAccount, GuaranteeAccount
from marketplace.models.market import AgreementStatus, ChainRequestStatus

ZERO = "0x" + "00" * 32


@dataclass(frozen=True)
class Difference:
    kind: str
    subject: str
    database: object
    chain: object

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: database {self.database} / chain {self.chain}"


def expected_word(leg: ChainRequest) -> str:
    if leg.status is ChainRequestStatus.CREATED:
        return canonical.request_word(request_domain.leg_terms(leg))
    if leg.status is ChainRequestStatus.COMMITTED:
        return canonical.request_word(request_domain.leg_terms(leg), leg.book_root)
    return ZERO


def reconcile(session: Session, market: MarketClient, *, strict: bool = True) -> list[Difference]:
    """Every difference between the database and the chain. Without ``strict``, requests other
    clients created on the same contract (unknown refs) and their events are left out."""
    out: list[Difference] = []
    chain_id, address = market.chain.chain_id, market.market.address
    fn = market.market.functions
    legs = session.scalars(select(ChainRequest).where(ChainRequest.chain_id == chain_id,
                                                      ChainRequest.market_address == address,
                                                      ChainRequest.onchain_id.is_not(None))).all()
    by_id = {leg.onchain_id: leg for leg in legs}
    for leg in legs:
        word = "0x" + bytes(market.chain.call(fn.requestWord(leg.onchain_id))).hex()
        want = expected_word(leg)
        if word != want:
            out.append(Difference("request", f"{leg.onchain_id} ({leg.leg.value} leg of request {leg.request_id}, "
                                             f"{leg.status.value})", want, word))
    agreements = session.scalars(select(Agreement).where(Agreement.chain_id == chain_id,
                                                         Agreement.market_address == address)).all()
    by_agreement = {a.agreement_id: a for a in agreements}
    for a in agreements:
        stored = "0x" + bytes(market.chain.call(fn.agreementHash(canonical.hex_bytes(a.agreement_id)))).hex()
        want = canonical.agreement_hash(a.chain_struct().as_tuple()) if a.status is AgreementStatus.ACTIVE else ZERO
        if stored != want:
            out.append(Difference("agreement", f"{a.agreement_id} ({a.status.value})", want, stored))
    events = session.scalars(select(ChainEvent).where(ChainEvent.chain_id == chain_id,
                                                      ChainEvent.address == address).order_by(ChainEvent.id)).all()
    refs = set(session.scalars(select(ChainRequest.ref).where(ChainRequest.chain_id == chain_id,
                                                              ChainRequest.market_address == address)))
    foreign = {int(e.args["requestId"]) for e in events
               if e.event == "RequestCreated" and e.args["request"]["ref"].lower() not in refs}
    for e in events:
        args = e.args
        if not strict and "requestId" in args and int(args["requestId"]) in foreign:
            continue
        if e.event == "RequestCreated" and int(args["requestId"]) not in by_id:
            out.append(Difference("event", f"RequestCreated {args['requestId']} ({e.tx_hash})", "no leg", "created"))
        elif e.event == "OfferAwarded" and args["agreementId"].lower() not in by_agreement:
            out.append(Difference("event", f"OfferAwarded {args['agreementId']}", "no agreement", "awarded"))
        elif e.event in ("DeliveryAttested", "AgreementReclaimed"):
            a = by_agreement.get(args["agreementId"].lower())
            if a is None and not strict:
                continue
            want = AgreementStatus.SETTLED if e.event == "DeliveryAttested" else AgreementStatus.RECLAIMED
            if a is None or a.status is not want:
                out.append(Difference("event", f"{e.event} {args['agreementId']}",
                                      None if a is None else a.status.value, want.value))
            elif e.event == "DeliveryAttested" and (a.payment, a.penalty, a.refund) != (
                    int(args["payment"]), int(args["penalty"]), int(args["refund"])):
                out.append(Difference("settlement", args["agreementId"], (a.payment, a.penalty, a.refund),
                                      (int(args["payment"]), int(args["penalty"]), int(args["refund"]))))
        elif e.event in ("RequestAwarded", "RequestCancelled", "BookCommitted"):
            leg = by_id.get(int(args["requestId"]))
            want = {"RequestAwarded": ChainRequestStatus.AWARDED, "RequestCancelled": ChainRequestStatus.CANCELLED,
                    "BookCommitted": None}[e.event]
            if leg is not None and want is not None and leg.status is not want:
                out.append(Difference("event", f"{e.event} {args['requestId']}", leg.status.value, want.value))
    for account in session.scalars(select(CreditAccount).where(CreditAccount.chain_id == chain_id,
                                                               CreditAccount.market_address == address)):
        credit = market.credit_of(account.address)
        if credit != account.amount:
            out.append(Difference("credit", account.address, account.amount, credit))
    for account in session.scalars(select(GuaranteeAccount).where(GuaranteeAccount.chain_id == chain_id,
                                                                  GuaranteeAccount.market_address == address)):
        total, locked = market.guarantee_of(account.address)
        if (total, locked) != (account.total, account.locked):
            out.append(Difference("guarantee", account.address, (account.total, account.locked), (total, locked)))
    return out
